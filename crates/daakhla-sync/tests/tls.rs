//! Devices syncing over real TLS on loopback: a server certificate from an operator's CA (made
//! here with rcgen) trusted through the CA file, a hub's self-signed one trusted by its pinned
//! fingerprint, a wrong fingerprint refused before anything is sent, and plain HTTP refused
//! beyond this machine and private networks.

use daakhla_domain::Lang;
use daakhla_server::scratch::Scratch;
use daakhla_server::{Identity, Role, Running, ServeLimits, Server, on_both_databases};
use daakhla_store::Store;
use daakhla_sync::{Remote, SyncError, Trust, sync};
use daakhla_testkit::context::ctx;
use daakhla_testkit::places::two_union_councils;
use daakhla_testkit::stores::device_store;
use std::sync::Arc;

mod common;
use common::survey;

struct TlsWorld {
    dir: tempfile::TempDir,
    server: Arc<Server>,
    running: Running,
    _scratch: Scratch,
}

impl TlsWorld {
    fn new(scratch: Scratch, identity: &Identity) -> TlsWorld {
        let dir = tempfile::tempdir().unwrap();
        let server = Arc::new(Server::open(scratch.location()).unwrap());
        server.import_geography(&two_union_councils()).unwrap();
        let running = daakhla_server::spawn_tls(
            server.clone(),
            "127.0.0.1:0",
            ServeLimits::default(),
            identity,
        )
        .unwrap();
        assert!(running.url().starts_with("https://127.0.0.1:"));
        TlsWorld {
            dir,
            server,
            running,
            _scratch: scratch,
        }
    }

    /// A device store with a survey to send, and its token.
    fn phone(&self, name: &str) -> (Store, String) {
        let mut store = device_store(self.dir.path(), name);
        let (_, token) = self
            .server
            .add_device(name, Role::ResourcePerson, &["UC1".to_string()])
            .unwrap();
        store
            .add_surveys(&[survey("V1", "UC1", name)], &ctx(), &mut |_| {})
            .unwrap();
        (store, token)
    }

    /// Whether the server ever saw a request with a device's token.
    fn seen(&self, name: &str) -> bool {
        let devices = self.server.devices().unwrap();
        let device = devices.iter().find(|d| d.device.user == name).unwrap();
        device.last_seen.is_some()
    }
}

/// An operator's certificate authority and a server certificate it signed for 127.0.0.1.
fn operator_ca(dir: &std::path::Path) -> (String, Identity) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Daakhla test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf_params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &ca, &ca_key).unwrap();
    let (cert, key) = (dir.join("server.pem"), dir.join("server.key"));
    std::fs::write(&cert, leaf.pem() + &ca.pem()).unwrap();
    std::fs::write(&key, leaf_key.serialize_pem()).unwrap();
    (ca.pem(), Identity::from_pem_files(&cert, &key).unwrap())
}

fn quiet() -> impl FnMut(daakhla_sync::Progress) {
    |_| {}
}

fn a_device_syncs_over_tls_trusting_the_operators_ca_file(scratch: Scratch) {
    let certs = tempfile::tempdir().unwrap();
    let (ca_pem, identity) = operator_ca(certs.path());
    let world = TlsWorld::new(scratch, &identity);
    let (mut phone, token) = world.phone("ayesha");
    let url = world.running.url();

    // Without the CA the web's roots do not vouch for it: nothing is sent.
    let untrusted = sync(&mut phone, &Remote::new(&url, &token), &mut quiet()).unwrap_err();
    assert!(
        matches!(&untrusted, SyncError::Unreachable { why, .. } if why.contains("certificate")),
        "{untrusted}"
    );
    assert!(!world.seen("ayesha"));
    assert!(world.server.snapshot().unwrap().is_empty());

    let trust = Trust {
        ca_pem: Some(ca_pem),
        ..Trust::default()
    };
    let remote = Remote::with_trust(&url, &token, &trust).unwrap();
    let done = sync(&mut phone, &remote, &mut quiet()).unwrap();
    assert_eq!(done.sent, 3, "the household and its two children");
    assert_eq!(world.server.snapshot().unwrap().len(), 3);
    assert!(world.seen("ayesha"));
    // The connection is kept alive between requests, over TLS as over HTTP.
    let again = sync(&mut phone, &remote, &mut quiet()).unwrap();
    assert_eq!((again.sent, again.received), (0, 0));

    // A CA file with no certificate in it is refused at once, naming the server.
    let empty = Trust {
        ca_pem: Some("not a certificate".into()),
        ..Trust::default()
    };
    let refused = Remote::with_trust(&url, &token, &empty).err().unwrap();
    assert!(
        matches!(refused, SyncError::Trust { .. }),
        "{refused}: refused before any request"
    );
}

fn a_device_syncs_with_a_self_signed_hub_it_pinned(scratch: Scratch) {
    let certs = tempfile::tempdir().unwrap();
    let identity = Identity::self_signed(certs.path(), &[]).unwrap();
    let world = TlsWorld::new(scratch, &identity);
    let (mut phone, token) = world.phone("ayesha");
    let url = world.running.url();
    assert_eq!(
        world.running.fingerprint,
        Some(identity.fingerprint.clone())
    );
    let pinned = Trust {
        // As a person might copy it: upper case, in pairs.
        fingerprint: Some(
            identity
                .fingerprint
                .as_bytes()
                .chunks(2)
                .map(|pair| String::from_utf8_lossy(pair).to_uppercase())
                .collect::<Vec<_>>()
                .join(":"),
        ),
        ..Trust::default()
    };
    let done = sync(
        &mut phone,
        &Remote::with_trust(&url, &token, &pinned).unwrap(),
        &mut quiet(),
    )
    .unwrap();
    assert_eq!(done.sent, 3);
    assert_eq!(world.server.snapshot().unwrap().len(), 3);

    // The same hub reached by another name (its address changed): the pin still holds.
    let by_name = url.replace("127.0.0.1", "localhost");
    let me = Remote::with_trust(&by_name, &token, &pinned)
        .unwrap()
        .whoami()
        .unwrap();
    assert_eq!(me.user, "ayesha");

    // A pinned server over plain http:// cannot be checked: refused.
    let plain = url.replace("https://", "http://");
    assert!(matches!(
        Remote::with_trust(&plain, &token, &pinned),
        Err(SyncError::Trust { .. })
    ));
}

fn a_wrong_fingerprint_is_refused_in_both_languages_and_nothing_is_sent(scratch: Scratch) {
    let certs = tempfile::tempdir().unwrap();
    let impostor = Identity::self_signed(certs.path(), &[]).unwrap();
    let world = TlsWorld::new(scratch, &impostor);
    let (mut phone, token) = world.phone("ayesha");
    let url = world.running.url();
    let enrolled_with = daakhla_sync::fingerprint(b"the hub this phone was enrolled with");
    let trust = Trust {
        fingerprint: Some(enrolled_with.clone()),
        ..Trust::default()
    };
    let remote = Remote::with_trust(&url, &token, &trust).unwrap();
    let refused = sync(&mut phone, &remote, &mut quiet()).unwrap_err();
    let SyncError::WrongServer {
        expected, found, ..
    } = &refused
    else {
        panic!("{refused}");
    };
    assert_eq!(expected, &enrolled_with);
    assert_eq!(found, &impostor.fingerprint);
    let en = refused.message(Lang::En);
    assert!(
        en.starts_with(&format!(
            "the server at {url} is not the one this phone was enrolled with"
        )),
        "{en}"
    );
    assert!(
        en.contains(&impostor.fingerprint) && en.contains("Nothing was sent"),
        "{en}"
    );
    let ur = refused.message(Lang::Ur);
    assert!(
        ur.contains("وہ نہیں جس کے ساتھ یہ فون رجسٹر ہوا تھا") && ur.contains("کچھ نہیں بھیجا گیا"),
        "{ur}"
    );
    // Nothing reached the server: not the token, not a change.
    assert!(!world.seen("ayesha"), "the token never reached the server");
    assert!(world.server.snapshot().unwrap().is_empty());
    assert_eq!(phone.changes_waiting_to_push().unwrap(), 3, "kept to send");
    // Every request is checked, not only the first.
    assert!(matches!(
        remote.whoami(),
        Err(SyncError::WrongServer { .. })
    ));
    // And an enrolment code goes to a pinned server only.
    let code = world
        .server
        .add_enrolment(
            "bilal",
            Role::ResourcePerson,
            &["UC1".to_string()],
            std::time::Duration::from_secs(3600),
        )
        .unwrap();
    assert!(matches!(
        Remote::enrol_with(&url, &code, &trust),
        Err(SyncError::WrongServer { .. })
    ));
    let enrolled = Remote::enrol_with(
        &url,
        &code,
        &Trust {
            fingerprint: Some(impostor.fingerprint.clone()),
            ..Trust::default()
        },
    )
    .unwrap();
    assert_eq!(enrolled.fingerprint, Some(impostor.fingerprint.clone()));
}

on_both_databases!(
    a_device_syncs_over_tls_trusting_the_operators_ca_file,
    a_device_syncs_with_a_self_signed_hub_it_pinned,
    a_wrong_fingerprint_is_refused_in_both_languages_and_nothing_is_sent,
);

#[test]
fn plain_http_to_a_public_address_is_refused_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let mut phone = device_store(dir.path(), "ayesha");
    phone
        .add_surveys(&[survey("V1", "UC1", "1")], &ctx(), &mut |_| {})
        .unwrap();
    // A documentation address: nothing answers there, and nothing is tried.
    let url = "http://203.0.113.7:8080";
    let started = std::time::Instant::now();
    let refused = sync(&mut phone, &Remote::new(url, "token"), &mut quiet()).unwrap_err();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "refused before connecting"
    );
    let SyncError::PlainHttp { host, .. } = &refused else {
        panic!("{refused}");
    };
    assert_eq!(host, "203.0.113.7");
    let en = refused.message(Lang::En);
    assert!(
        en.starts_with("refusing plain http:// to http://203.0.113.7:8080")
            && en.contains("Use the server's https:// address"),
        "{en}"
    );
    let ur = refused.message(Lang::Ur);
    assert!(
        ur.contains("203.0.113.7") && ur.contains("\"https://\" پتہ استعمال کریں"),
        "{ur}"
    );
    assert_eq!(phone.changes_waiting_to_push().unwrap(), 3);
    for refused_too in [
        Remote::enrol(url, "ABCD-EFGH-JKMN").map(|_| ()),
        Remote::new("http://central.example.org", "t")
            .whoami()
            .map(|_| ()),
    ] {
        assert!(matches!(refused_too, Err(SyncError::PlainHttp { .. })));
    }
    // Allowed on purpose, the request is made (here it cannot connect: a closed port on a
    // local address stands in for the public one).
    let allowed = Remote::with_trust(
        "http://127.0.0.1:9",
        "t",
        &Trust {
            insecure: true,
            ..Trust::default()
        },
    )
    .unwrap();
    assert!(matches!(
        allowed.whoami(),
        Err(SyncError::Unreachable { .. })
    ));
}
