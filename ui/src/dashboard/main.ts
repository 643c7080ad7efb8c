import '@fontsource/noto-nastaliq-urdu/400.css';
import '@fontsource/noto-nastaliq-urdu/700.css';
import '../app.css';
import { mount } from 'svelte';
import Dashboard from './Dashboard.svelte';

mount(Dashboard, { target: document.getElementById('app')! });
