//! `sealbid serve --demo`: a newcomer finds organisations, people in every
//! role with certificates and encrypted key files, and a ready committee;
//! a demo bidder logs in with its key file and the written password; a
//! second start leaves the demo data alone.

use reqwest::StatusCode;
use sealbid_crypto::keyfile;
use sealbid_tests::{Engine, TestServer, login, on_both_engines};

on_both_engines!(demo_data_lets_a_newcomer_log_in);

async fn demo_data_lets_a_newcomer_log_in(engine: Engine) {
    let mut s = TestServer::start_with(engine, |c| c.demo = true).await;
    let demo = s.data_dir().join("demo");
    let readme = std::fs::read_to_string(demo.join("README.txt")).unwrap();
    let password = std::fs::read_to_string(demo.join("PASSWORD.txt")).unwrap();
    assert!(readme.contains(&password), "the README names the password");
    for stem in ["operator", "centre", "official1", "bidder1", "bidder2", "hospital", "regulator"] {
        assert!(readme.contains(stem), "{stem} missing from the README");
    }
    let key =
        keyfile::decrypt(&std::fs::read(demo.join("bidder1.p8")).unwrap(), password.as_bytes()).unwrap();
    assert!(keyfile::decrypt(&std::fs::read(demo.join("bidder1.p8")).unwrap(), b"wrong").is_err());
    let chain = std::fs::read_to_string(demo.join("bidder1.pem")).unwrap();
    let pems: Vec<String> =
        chain.split_inclusive("-----END CERTIFICATE-----\n").map(str::to_string).collect();
    assert_eq!(pems.len(), 2, "certificate then issuing CA");
    let out = login(&s.client, &s.base, &key, &pems).await;
    assert_eq!(out.status, StatusCode::OK, "{:?}", out.body);
    assert_eq!(out.body["role"], "bidder");
    let cookie = out.cookie.unwrap();
    let me = s.client.get(s.url("/api/v1/people/me")).header("cookie", &cookie).send().await.unwrap();
    let me: serde_json::Value = me.json().await.unwrap();
    assert_eq!(me["person"]["name"], "张投标", "{me}");

    let key = keyfile::decrypt(&std::fs::read(demo.join("centre.p8")).unwrap(), password.as_bytes()).unwrap();
    let chain = std::fs::read_to_string(demo.join("centre.pem")).unwrap();
    let pems: Vec<String> =
        chain.split_inclusive("-----END CERTIFICATE-----\n").map(str::to_string).collect();
    let centre = login(&s.client, &s.base, &key, &pems).await.cookie.unwrap();
    let list = s.client.get(s.url("/api/v1/committees")).header("cookie", &centre).send().await.unwrap();
    let list: serde_json::Value = list.json().await.unwrap();
    assert_eq!(list[0]["status"], "ready", "{list}");
    assert!(list[0]["public_key"].as_str().is_some_and(|k| k.len() == 96), "{list}");
    for stem in ["official1", "official2", "official3"] {
        assert!(demo.join(format!("{stem}.share")).exists());
    }

    s.restart().await;
    assert_eq!(std::fs::read_to_string(demo.join("PASSWORD.txt")).unwrap(), password, "not re-seeded");
    s.stop().await;
}
