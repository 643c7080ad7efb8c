pub fn placeholder_never_committed() {}
