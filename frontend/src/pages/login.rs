//! Log in: import an encrypted key file and its certificate (or use the ones
//! kept in this browser), enter the password; the key is decrypted here and
//! signs the server's challenge.

use std::rc::Rc;

use sealbid_crypto::keyfile;
use sealbid_crypto::pki::Certificate;
use web_sys::HtmlInputElement;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::components::{Busy, ErrorBox, chosen_file, read_file, yield_to_browser};
use crate::i18n::Lang;
use crate::keystore::{self, StoredIdentity};
use crate::session::{self, Identity, Session};

/// Properties of [`LoginPage`].
#[derive(Properties, PartialEq)]
pub struct LoginProps {
    /// Called once the server accepted the login.
    pub on_login: Callback<Session>,
}

/// Parses a certificate file: PEM, leaf first; returns the leaf and the chain as PEM texts.
pub fn parse_chain(pem: &str) -> Result<(Certificate, Vec<String>), String> {
    let certs = Certificate::from_pem_bundle(pem).map_err(|e| e.to_string())?;
    let leaf = certs.first().cloned().ok_or("the file holds no certificate")?;
    let chain =
        certs.iter().map(Certificate::to_pem).collect::<Result<Vec<_>, _>>().map_err(|e| e.to_string())?;
    Ok((leaf, chain))
}

/// A certificate's holder for people: `name (organisation)`.
fn holder(cert: &Certificate) -> String {
    match cert.subject_info() {
        Ok(i) => match i.organization {
            Some(o) => format!("{} ({o})", i.common_name),
            None => i.common_name,
        },
        Err(_) => cert.subject(),
    }
}

/// Decrypts the key file and checks it belongs to the certificate.
fn open_identity(stored: &StoredIdentity, password: &str, lang: Lang) -> Result<Identity, String> {
    let (cert, chain) = parse_chain(&stored.cert_pem)?;
    let bytes = stored.key_bytes().ok_or(lang.t("保存的密钥文件已损坏", "the stored key file is damaged"))?;
    let key = keyfile::decrypt(&bytes, password.as_bytes()).map_err(|e| match e {
        sealbid_crypto::Error::WrongPassword => {
            lang.t("密码错误或密钥文件已损坏", "wrong password or damaged key file").to_string()
        }
        other => other.to_string(),
    })?;
    if cert.public_key().map_err(|e| e.to_string())? != key.public_key() {
        return Err(lang.t("密钥与证书不匹配", "the key does not belong to this certificate").into());
    }
    Ok(Identity { key, cert, chain })
}

/// The login page.
#[component(LoginPage)]
pub fn login_page(props: &LoginProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let stored = use_state(|| None::<StoredIdentity>);
    {
        let stored = stored.clone();
        use_effect_with((), move |_| {
            spawn_local(async move { stored.set(keystore::load().await) });
        });
    }
    let key_file = use_state(|| None::<(String, Vec<u8>)>);
    let cert_pem = use_state(|| None::<String>);
    let password = use_node_ref();
    let busy = use_state(|| None::<String>);
    let error = use_state(|| None::<String>);

    let on_key = {
        let (key_file, error) = (key_file.clone(), error.clone());
        Callback::from(move |e: Event| {
            let Some(file) = chosen_file(&e) else { return };
            let (key_file, error) = (key_file.clone(), error.clone());
            spawn_local(async move {
                match read_file(&file).await {
                    Ok(bytes) => key_file.set(Some((file.name(), bytes))),
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let on_cert = {
        let (cert_pem, error) = (cert_pem.clone(), error.clone());
        Callback::from(move |e: Event| {
            let Some(file) = chosen_file(&e) else { return };
            let (cert_pem, error) = (cert_pem.clone(), error.clone());
            spawn_local(async move {
                let text = read_file(&file).await.and_then(|b| {
                    String::from_utf8(b).map_err(|_| {
                        lang.t("证书文件不是 PEM 文本", "the certificate file is not PEM text").to_string()
                    })
                });
                match text.and_then(|t| parse_chain(&t).map(|_| t)) {
                    Ok(t) => {
                        error.set(None);
                        cert_pem.set(Some(t));
                    }
                    Err(e) => error
                        .set(Some(format!("{}: {e}", lang.t("证书无法读取", "cannot read the certificate")))),
                }
            });
        })
    };
    let on_submit = {
        let (stored, key_file, cert_pem, password) =
            (stored.clone(), key_file.clone(), cert_pem.clone(), password.clone());
        let (busy, error, on_login) = (busy.clone(), error.clone(), props.on_login.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let pw = password.cast::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
            let candidate = match (&*key_file, &*cert_pem, &*stored) {
                (Some((name, bytes)), Some(pem), _) => StoredIdentity::new(bytes, name, pem),
                (None, None, Some(s)) => s.clone(),
                _ => {
                    error.set(Some(
                        lang.t("请选择密钥文件和证书文件", "choose your key file and your certificate")
                            .into(),
                    ));
                    return;
                }
            };
            if pw.is_empty() {
                error.set(Some(lang.t("请输入密钥文件的密码", "enter the key file's password").into()));
                return;
            }
            let (busy, error, on_login) = (busy.clone(), error.clone(), on_login.clone());
            error.set(None);
            busy.set(Some(lang.t("正在本机解密密钥…", "Decrypting your key on this computer…").into()));
            spawn_local(async move {
                yield_to_browser().await;
                let identity = match open_identity(&candidate, &pw, lang) {
                    Ok(i) => Rc::new(i),
                    Err(e) => {
                        busy.set(None);
                        error.set(Some(e));
                        return;
                    }
                };
                busy.set(Some(lang.t("正在签名登录挑战…", "Signing the login challenge…").into()));
                match session::login(&identity).await {
                    Ok(user) => {
                        let kept = keystore::save(&candidate).await.err();
                        busy.set(None);
                        if let Some(e) = kept {
                            gloo::console::warn!(format!("the key could not be kept in this browser: {e}"));
                        }
                        on_login.emit(Session { identity, user });
                    }
                    Err(e) => {
                        busy.set(None);
                        error.set(Some(format!("{}: {e}", lang.t("登录失败", "Login failed"))));
                    }
                }
            });
        })
    };
    let on_forget = {
        let stored = stored.clone();
        Callback::from(move |_| {
            let stored = stored.clone();
            spawn_local(async move {
                if let Err(e) = keystore::forget().await {
                    gloo::console::warn!(e);
                }
                stored.set(None);
            });
        })
    };
    let cert_subject = cert_pem.as_ref().and_then(|p| parse_chain(p).ok()).map(|(c, _)| holder(&c));
    let saved = stored.as_ref().and_then(|s| parse_chain(&s.cert_pem).ok()).map(|(c, _)| holder(&c));
    html! {
        <section id="login-page" class="card">
            <h1>{ lang.t("证书登录", "Certificate login") }</h1>
            if let Some(subject) = saved { <>
                <p class="saved" id="saved-identity">
                    { lang.t("本浏览器已保存加密的密钥：", "An encrypted key is kept in this browser: ") }<b>{ subject }</b>
                    { " " }<button type="button" class="link" id="forget-key" onclick={on_forget}>{ lang.t("删除", "Forget it") }</button>
                </p>
                <p class="hint">{ lang.t("输入密码即可登录，或在下面导入另一组密钥和证书。", "Enter the password to log in, or import another key and certificate below.") }</p>
            </> }
            <form onsubmit={on_submit}>
                <label>{ lang.t("密钥文件（加密 PKCS#8，.p8）", "Key file (encrypted PKCS#8, .p8)") }
                    <input type="file" id="key-file" accept=".p8,.pem,.key,.der" onchange={on_key} />
                    if let Some((name, _)) = &*key_file { <span class="ok" id="key-file-ok">{ format!("✓ {name}") }</span> }</label>
                <label>{ lang.t("证书（PEM，含证书链）", "Certificate (PEM, with its chain)") }
                    <input type="file" id="cert-file" accept=".pem,.crt,.cer" onchange={on_cert} />
                    if let Some(subject) = cert_subject { <span class="ok" id="cert-file-ok">{ format!("✓ {subject}") }</span> }</label>
                <label>{ lang.t("密钥密码", "Key password") }
                    <input type="password" id="password" ref={password} autocomplete="current-password" /></label>
                <button type="submit" id="login-button" disabled={busy.is_some()}>{ lang.t("登录", "Log in") }</button>
            </form>
            <Busy what={(*busy).clone()} />
            <ErrorBox error={(*error).clone()} />
            <p class="hint">{ lang.t("私钥只在本机浏览器中解密和使用，不会发送到服务器。", "Your private key is decrypted and used only in this browser; it never goes to the server.") }</p>
        </section>
    }
}
