//! A committee's key ceremony, taken part in from the browser: the roster
//! with who has dealt, who is silent and the complaints; the official's own
//! steps ([`super::dkg`]) run here against the relayed messages, signed
//! messages are posted, and at the end the key share is kept in this browser,
//! password-encrypted, exportable.
//!
//! Then the committee key statement: every roster member's key fingerprint
//! code and the roster code, computed here from the ceremony file's keys
//! (never taken from the server), read aloud among the officials and ticked
//! off one by one; the official signs the statement that this roster made
//! the key set its own replay computed ([`KeyStatement::sign_checked`]), and
//! sees who has signed, each signature checked here.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

use gloo::timers::callback::Interval;
use sealbid_crypto::PrivateKey;
use sealbid_crypto::committee::statement::{SignatureEntry, fingerprint_code, roster_code};
use sealbid_crypto::committee::{Ceremony, KeyStatement, PublicKeySet, StatementFile};
use serde_json::json;
use web_sys::HtmlInputElement;
use yew::platform::spawn_local;
use yew::prelude::*;

use super::dkg::{self, CeremonyFile, State};
use super::{CommitteeView, export_share};
use crate::api::{self, ApiError};
use crate::components::{Busy, ErrorBox, yield_to_browser};
use crate::i18n::Lang;
use crate::keystore::{self, StoredShare};
use crate::session::{Identity, Session};

/// Properties of [`CeremonyPage`].
#[derive(Properties, PartialEq)]
pub struct CeremonyProps {
    /// The committee.
    pub id: i64,
    /// The official's session (its key signs the messages).
    pub session: Session,
}

/// What the running ceremony reports to the page.
#[derive(Clone)]
struct Report {
    line: UseStateHandle<Option<String>>,
    reload: UseStateHandle<u32>,
}

/// Takes part until the ceremony is ready (or the page goes away); returns
/// the committee key (hex) and the key set this official's replay computed.
async fn take_part(
    id: i64,
    identity: Rc<Identity>,
    owner: String,
    password: String,
    alive: Rc<RefCell<bool>>,
    lang: Lang,
    report: Report,
) -> Result<Option<(String, PublicKeySet)>, String> {
    let path = format!("/api/v1/committees/{id}/ceremony");
    let mine = hex::encode(identity.key.public_key().to_sec1());
    let mut state: Option<(String, usize, State)> = None;
    let (mut posted, base, mut bumps, reload) = (0usize, *report.reload, 0u32, report.reload.clone());
    let mut bump = move || {
        bumps += 1;
        reload.set(base + bumps);
    };
    while *alive.borrow() {
        let file: CeremonyFile = api::get(&path).await.map_err(|e| e.to_string())?;
        let c = dkg::ceremony_of(&file)?;
        let me = file
            .officials
            .iter()
            .position(|k| *k == mine)
            .ok_or(lang.t("您不在本次仪式的委员名单中", "you are not on this ceremony's roster"))?;
        let context = hex::encode(c.context());
        if state.as_ref().is_none_or(|(ctx, i, _)| *ctx != context || *i != me) {
            report.line.set(Some(
                lang.t("正在本机打开仪式状态…", "Opening the ceremony state on this computer…").into(),
            ));
            yield_to_browser().await;
            let s = match keystore::ceremony_state(&context, me).await? {
                Some(sealed) => dkg::open_state(&sealed, &c, me, password.as_bytes(), lang)?,
                None => dkg::fresh_state()?,
            };
            state = Some((context.clone(), me, s));
        }
        let Some((_, _, st)) = state.as_mut() else { continue };
        let step = dkg::step(&file, &c, me, &identity.key, st).map_err(|e| e.to_string())?;
        if step.state_changed || keystore::ceremony_state(&context, me).await?.is_none() {
            report.line.set(Some(
                lang.t("正在加密保存仪式状态…", "Encrypting and keeping the ceremony state…").into(),
            ));
            yield_to_browser().await;
            let sealed = dkg::seal_state(st, &c, me, password.as_bytes())?;
            keystore::save_ceremony_state(&context, me, &sealed).await?;
        }
        for m in &step.to_post {
            let body = json!({ "kind": m.kind, "data": m.data });
            let posted_ok: Result<serde_json::Value, ApiError> =
                api::post_json(&format!("/api/v1/committees/{id}/ceremony/messages"), &body).await;
            posted_ok
                .map_err(|e| format!("{} {}: {e}", lang.t("消息未被接收", "message not accepted"), m.kind))?;
            posted += 1;
        }
        if !step.to_post.is_empty() {
            bump();
        }
        if step.ready {
            report.line.set(Some(
                lang.t("正在计算并加密保存本人的密钥份额…", "Computing and keeping your key share…").into(),
            ));
            yield_to_browser().await;
            let done = dkg::finish(&step.keygen, &c, me, password.as_bytes())?;
            let name = format!("{}-attempt{}-official{}.share", file.committee, file.attempt, me + 1);
            let kept = StoredShare::new(&done.share_file, &name, &owner)?;
            keystore::save_share(&kept).await?;
            report.line.set(None);
            bump();
            return Ok(Some((done.key_hex, done.key_set)));
        }
        report.line.set(Some(format!(
            "{} {posted} · {}",
            lang.t("已发送消息：", "Messages sent:"),
            lang.t("等待其他委员…", "waiting for the other officials…")
        )));
        gloo_timers::future::TimeoutFuture::new(2_000).await;
    }
    Ok(None)
}

/// Recomputes the key set of the ready ceremony from this official's state
/// kept in this browser (after a reload): the key set it signs for.
async fn recompute_key_set(
    id: i64,
    identity: Rc<Identity>,
    password: String,
    lang: Lang,
) -> Result<PublicKeySet, String> {
    let file: CeremonyFile =
        api::get(&format!("/api/v1/committees/{id}/ceremony")).await.map_err(|e| e.to_string())?;
    let c = dkg::ceremony_of(&file)?;
    let mine = hex::encode(identity.key.public_key().to_sec1());
    let me = file
        .officials
        .iter()
        .position(|k| *k == mine)
        .ok_or(lang.t("您不在本次仪式的委员名单中", "you are not on this ceremony's roster"))?;
    let sealed = keystore::ceremony_state(&hex::encode(c.context()), me).await?.ok_or(lang.t(
        "本浏览器中没有您本次仪式的状态，无法重新计算委员会密钥；请在参加仪式的浏览器中或用命令行工具签署",
        "this browser does not keep your state of this ceremony, so it cannot recompute the key; \
         sign in the browser you took part from, or with the CLI",
    ))?;
    yield_to_browser().await;
    let mut state = dkg::open_state(&sealed, &c, me, password.as_bytes(), lang)?;
    yield_to_browser().await;
    dkg::replay_key_set(&file, &c, me, &identity.key, &mut state)
}

/// The statement `server` serves, rebuilt on this ceremony's roster: an
/// error if the server's is about another roster, attempt or threshold.
fn our_statement(c: &Ceremony, server: &StatementFile) -> Result<KeyStatement, String> {
    let theirs = server.statement().map_err(|e| e.to_string())?;
    let ours = KeyStatement::new(c, theirs.key_set()).map_err(|e| e.to_string())?;
    if ours.body_der() != theirs.body_der() {
        return Err("the key statement the server serves is about another roster, attempt or threshold \
                    than the ceremony you took part in"
            .into());
    }
    Ok(ours)
}

/// Signs the statement of ceremony `c` (with the key set the server's
/// statement names, which must be the one this official's replay computed,
/// `own_set`) after every other member's code in `confirmed` was read aloud.
fn sign_statement(
    c: &Ceremony,
    server: Option<&StatementFile>,
    own_set: &PublicKeySet,
    key: &PrivateKey,
    confirmed: &[String],
) -> Result<SignatureEntry, String> {
    let statement = match server {
        Some(f) => our_statement(c, f)?,
        None => KeyStatement::new(c, own_set).map_err(|e| e.to_string())?,
    };
    let sig = statement.sign_checked(key, confirmed, own_set).map_err(|e| e.to_string())?;
    Ok(SignatureEntry::of(&sig))
}

/// Who has signed the statement, each signature checked here.
struct StatementStatus {
    /// Per roster index: a valid signature is in.
    signed: Vec<bool>,
    /// `Ok` once every official signed; else the reason (who is missing).
    complete: Result<(), String>,
    /// Whether the statement's key set is the one this official's replay computed (if known).
    matches_own: Option<bool>,
}

fn statement_status(
    c: &Ceremony,
    f: &StatementFile,
    own_set: Option<&PublicKeySet>,
) -> Result<StatementStatus, String> {
    let ours = our_statement(c, f)?;
    let sigs = f.signatures().map_err(|e| e.to_string())?;
    let signed = (0..c.n()).map(|i| sigs.iter().any(|s| s.official == i && ours.verify(s).is_ok())).collect();
    let complete = ours.confirm(&sigs).map(|_| ()).map_err(|e| e.to_string());
    let matches_own = own_set.map(|k| k == ours.key_set());
    Ok(StatementStatus { signed, complete, matches_own })
}

/// The codes ticked as read aloud and matching.
#[derive(Debug, Default, PartialEq)]
struct Ticked(BTreeSet<String>);

impl Reducible for Ticked {
    type Action = (String, bool);

    fn reduce(self: Rc<Self>, (code, on): Self::Action) -> Rc<Self> {
        let mut codes = self.0.clone();
        if on {
            codes.insert(code);
        } else {
            codes.remove(&code);
        }
        Rc::new(Ticked(codes))
    }
}

/// The ceremony page.
#[component(CeremonyPage)]
pub fn ceremony_page(props: &CeremonyProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let view = use_state(|| None::<Result<CommitteeView, ApiError>>);
    let file = use_state(|| None::<CeremonyFile>);
    let kept = use_state(Vec::<StoredShare>::new);
    let reload = use_state(|| 0u32);
    let line = use_state(|| None::<String>);
    let done = use_state(|| None::<String>);
    let running = use_state(|| false);
    let error = use_state(|| None::<String>);
    let password = use_node_ref();
    let replay_password = use_node_ref();
    let own_set = use_state(|| None::<PublicKeySet>);
    let statement = use_state(|| None::<Result<StatementFile, ApiError>>);
    let ticked = use_reducer(Ticked::default);
    let signing = use_state(|| false);
    let sign_error = use_state(|| None::<String>);
    let alive = use_mut_ref(|| true);
    {
        let alive = alive.clone();
        use_effect_with((), move |_| move || *alive.borrow_mut() = false);
    }
    {
        let (view, file, kept, error, statement, id) =
            (view.clone(), file.clone(), kept.clone(), error.clone(), statement.clone(), props.id);
        use_effect_with((id, *reload), move |(id, _)| {
            let id = *id;
            let fetch = move || {
                let (view, file, kept, error, statement) =
                    (view.clone(), file.clone(), kept.clone(), error.clone(), statement.clone());
                spawn_local(async move {
                    let v: Result<CommitteeView, ApiError> =
                        api::get(&format!("/api/v1/committees/{id}")).await;
                    let ready = matches!(&v, Ok(v) if v.status == "ready");
                    view.set(Some(v));
                    if ready {
                        statement.set(Some(api::get(&format!("/api/v1/committees/{id}/statement")).await));
                    }
                    if let Ok(f) =
                        api::get::<CeremonyFile>(&format!("/api/v1/committees/{id}/ceremony")).await
                    {
                        file.set(Some(f));
                    }
                    match keystore::shares().await {
                        Ok(s) => kept.set(s),
                        Err(e) => error.set(Some(e)),
                    }
                });
            };
            fetch();
            let tick = Interval::new(3_000, fetch);
            move || drop(tick)
        });
    }
    let mine = hex::encode(props.session.identity.key.public_key().to_sec1());
    let ceremony = file.as_ref().and_then(|f| dkg::ceremony_of(f).ok());
    let me = file.as_ref().and_then(|f| f.officials.iter().position(|k| *k == mine));
    let context = ceremony.as_ref().map(|c| hex::encode(c.context()));
    let share = kept.iter().find(|s| Some(&s.context) == context.as_ref() && Some(s.index) == me).cloned();
    let codes: Vec<String> =
        ceremony.as_ref().map(|c| c.officials().iter().map(fingerprint_code).collect()).unwrap_or_default();
    let on_start = {
        let (line, done, running, error, reload, alive, own_set) = (
            line.clone(),
            done.clone(),
            running.clone(),
            error.clone(),
            reload.clone(),
            alive.clone(),
            own_set.clone(),
        );
        let (id, identity, owner) =
            (props.id, props.session.identity.clone(), props.session.user.serial.clone());
        let password = password.clone();
        Callback::from(move |_: MouseEvent| {
            let pw = password.cast::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
            if pw.is_empty() {
                return error.set(Some(
                    lang.t(
                        "请输入用于加密密钥份额的密码",
                        "enter the password that will protect your key share",
                    )
                    .into(),
                ));
            }
            error.set(None);
            running.set(true);
            let report = Report { line: line.clone(), reload: reload.clone() };
            let (done, running, error, line, alive, identity, owner, own_set) = (
                done.clone(),
                running.clone(),
                error.clone(),
                line.clone(),
                alive.clone(),
                identity.clone(),
                owner.clone(),
                own_set.clone(),
            );
            spawn_local(async move {
                let result = take_part(id, identity, owner, pw, alive, lang, report).await;
                line.set(None);
                running.set(false);
                match result {
                    Ok(Some((key, set))) => {
                        own_set.set(Some(set));
                        done.set(Some(key));
                    }
                    Ok(None) => {}
                    Err(e) => {
                        error.set(Some(format!("{}: {e}", lang.t("仪式中断", "The ceremony step failed"))))
                    }
                }
            });
        })
    };
    let on_replay = {
        let (own_set, sign_error, signing, line) =
            (own_set.clone(), sign_error.clone(), signing.clone(), line.clone());
        let (id, identity, replay_password) =
            (props.id, props.session.identity.clone(), replay_password.clone());
        Callback::from(move |_: MouseEvent| {
            let pw = replay_password.cast::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
            if pw.is_empty() {
                return sign_error
                    .set(Some(lang.t("请输入密钥份额密码", "enter your key share password").into()));
            }
            let (own_set, sign_error, signing, line, identity) =
                (own_set.clone(), sign_error.clone(), signing.clone(), line.clone(), identity.clone());
            sign_error.set(None);
            signing.set(true);
            line.set(Some(
                lang.t("正在本机重新计算委员会密钥…", "Recomputing the committee key on this computer…")
                    .into(),
            ));
            spawn_local(async move {
                let result = recompute_key_set(id, identity, pw, lang).await;
                line.set(None);
                signing.set(false);
                match result {
                    Ok(set) => own_set.set(Some(set)),
                    Err(e) => sign_error.set(Some(e)),
                }
            });
        })
    };
    let on_sign = {
        let (statement, sign_error, signing) = (statement.clone(), sign_error.clone(), signing.clone());
        let (id, identity) = (props.id, props.session.identity.clone());
        let (ceremony, own_set, ticked) = (ceremony.clone(), (*own_set).clone(), ticked.clone());
        Callback::from(move |_: MouseEvent| {
            let (Some(c), Some(own)) = (ceremony.as_ref(), own_set.as_ref()) else { return };
            let server = match &*statement {
                Some(Ok(f)) => Some(f),
                _ => None,
            };
            let confirmed: Vec<String> = ticked.0.iter().cloned().collect();
            let entry = match sign_statement(c, server, own, &identity.key, &confirmed) {
                Ok(e) => e,
                Err(e) => {
                    return sign_error.set(Some(format!(
                        "{}: {e}",
                        lang.t("拒绝签署委员会密钥声明", "The committee key statement was not signed")
                    )));
                }
            };
            sign_error.set(None);
            signing.set(true);
            let (statement, sign_error, signing) = (statement.clone(), sign_error.clone(), signing.clone());
            spawn_local(async move {
                let posted: Result<StatementFile, ApiError> =
                    api::post_json(&format!("/api/v1/committees/{id}/statement/signatures"), &entry).await;
                signing.set(false);
                match posted {
                    Ok(f) => statement.set(Some(Ok(f))),
                    Err(e) => sign_error.set(Some(format!(
                        "{}: {e}",
                        lang.t("签名未被接收", "The signature was not accepted")
                    ))),
                }
            });
        })
    };
    let v = match &*view {
        None => {
            return html! { <section class="card"><Busy what={Some(lang.t("正在读取委员会…", "Loading the committee…").to_string())} /></section> };
        }
        Some(Err(e)) => {
            return html! { <section class="card"><ErrorBox error={Some(e.to_string())} /></section> };
        }
        Some(Ok(v)) => v.clone(),
    };
    let dealt: Vec<usize> = file
        .as_ref()
        .map(|f| f.messages.iter().filter(|m| m.kind == "part").map(|m| m.sender).collect())
        .unwrap_or_default();
    let acks = |i: usize| {
        file.as_ref().map_or(0, |f| f.messages.iter().filter(|m| m.kind == "ack" && m.sender == i).count())
    };
    let rows = v.officials.iter().map(|m| {
        let state = if v.complete_parts.contains(&m.index) {
            lang.t("✓ 份额完整", "✓ part complete")
        } else if dealt.contains(&m.index) {
            lang.t("已提交，待确认", "dealt, awaiting acks")
        } else {
            lang.t("尚未提交", "not yet dealt")
        };
        let code = codes.get(m.index).cloned().unwrap_or_default();
        let confirm = if code.is_empty() {
            html! {}
        } else if Some(m.index) == me {
            html! { <span class="hint">{ lang.t("本人：请向其他委员宣读", "yours: read it out to the others") }</span> }
        } else {
            let is_ticked = ticked.0.contains(&code);
            let (ticked, c) = (ticked.clone(), code.clone());
            let onchange = Callback::from(move |e: Event| {
                let on = e.target_unchecked_into::<HtmlInputElement>().checked();
                ticked.dispatch((c.clone(), on));
            });
            html! { <label><input type="checkbox" class="confirm-code" data-index={m.index.to_string()}
                checked={is_ticked} {onchange} />{ lang.t(" 已宣读核对，一致", " read aloud, matches") }</label> }
        };
        html! { <tr class={if Some(m.index) == me { "me" } else { "" }} data-index={m.index.to_string()}>
            <td>{ m.index + 1 }</td><td>{ &m.name }</td><td class="mono">{ &m.serial }</td>
            <td class="part-state">{ state }</td><td class="num">{ acks(m.index) }</td>
            <td>{ if v.silent.contains(&m.index) { lang.t("待参与", "to act") } else { "" } }</td>
            <td class="fingerprint mono" style="white-space: nowrap" data-index={m.index.to_string()}>{ code.clone() }</td>
            <td>{ confirm }</td>
        </tr> }
    });
    let share_view = share.as_ref().map(|s| {
        let (kept_share, error) = (s.clone(), error.clone());
        let on_export = Callback::from(move |_| error.set(export_share(&kept_share).err()));
        html! { <p class="ok" id="ceremony-share">{ lang.t("✓ 本人的密钥份额已加密保存在本浏览器：", "✓ Your key share is kept, encrypted, in this browser: ") }{ format!("{} ", s.name) }
            <button type="button" id="export-ceremony-share" onclick={on_export}>{ lang.t("导出密钥份额文件", "Export the key-share file") }</button></p> }
    });
    let signed_by_me = |st: &StatementStatus| me.is_some_and(|m| st.signed.get(m).copied().unwrap_or(false));
    let status = match (&*statement, &ceremony) {
        (Some(Ok(f)), Some(c)) => Some(statement_status(c, f, own_set.as_ref())),
        _ => None,
    };
    let i_signed = matches!(&status, Some(Ok(st)) if signed_by_me(st));
    let status_view = match (&status, &*statement) {
        (Some(Ok(st)), _) => html! { <>
            <ul id="statement-status">{ for st.signed.iter().enumerate().map(|(i, ok)| html! {
                <li class="statement-signer" data-index={i.to_string()} data-signed={ok.to_string()}>
                    { format!("{} {}: ", i + 1, v.name_of(i)) }
                    { if *ok { lang.t("✓ 已签署（签名已在本机验证）", "✓ signed (signature checked here)") } else { lang.t("尚未签署", "not signed yet") } }</li> }) }</ul>
            if st.matches_own == Some(false) {
                <div class="error" id="statement-mismatch">{ lang.t("声明中的委员会密钥与您本人仪式计算的不一致，请勿签署！", "The key set in the statement is not the one your own ceremony computed: do not sign!") }</div>
            }
            { match &st.complete {
                Ok(()) => html! { <p class="ok" id="statement-complete">{ lang.t("✓ 全体委员已签署：投标人的浏览器将只向此密钥密封投标", "✓ Every official has signed: bidders' clients will seal to this key") }</p> },
                Err(e) => {
                    let waiting: Vec<String> = st.signed.iter().enumerate().filter(|(_, ok)| !**ok)
                        .map(|(i, _)| format!("{} {}", i + 1, v.name_of(i))).collect();
                    html! { <p class="hint" id="statement-incomplete" title={e.clone()}>
                        { lang.t("尚未生效，待以下委员签署：", "Not in force yet; waiting for the signatures of: ") }{ waiting.join(lang.t("、", ", ")) }</p> }
                }
            } }
        </> },
        (Some(Err(e)), _) => html! { <ErrorBox error={Some(e.clone())} /> },
        (None, Some(Err(e))) => html! { <p class="hint" id="statement-unavailable">{ e.to_string() }</p> },
        _ => html! {},
    };
    let sign_panel = if me.is_none() || v.status != "ready" || i_signed {
        html! {}
    } else if own_set.is_some() {
        html! { <div class="sign-statement">
            <p class="hint">{ lang.t("请逐一听取其他委员宣读的密钥指纹，与上表核对一致后勾选，然后签署。", "Hear each other official read out their key fingerprint, tick it in the table when it matches, then sign.") }</p>
            <button type="button" id="sign-statement" class="primary" onclick={on_sign} disabled={*signing}>
                { lang.t("签署委员会密钥声明", "Sign the committee key statement") }</button>
        </div> }
    } else if share.is_some() {
        html! { <div class="sign-statement">
            <p class="hint">{ lang.t("签署前须由本机根据您的仪式状态重新计算委员会密钥。", "Before signing, this computer recomputes the committee key from your ceremony state.") }</p>
            <label>{ lang.t("密钥份额密码", "Key share password") }
                <input type="password" id="replay-password" ref={replay_password.clone()} autocomplete="current-password" /></label>
            <button type="button" id="ceremony-replay" onclick={on_replay} disabled={*signing}>
                { lang.t("重新计算委员会密钥", "Recompute the committee key") }</button>
        </div> }
    } else {
        html! {}
    };
    let statement_panel = if v.status == "ready" {
        html! { <div id="statement">
            <h2>{ lang.t("委员会密钥声明", "Committee key statement") }</h2>
            { status_view }
            if i_signed { <p class="ok" id="statement-signed">{ lang.t("✓ 您已签署委员会密钥声明", "✓ You have signed the committee key statement") }</p> }
            { sign_panel }
            <div id="statement-error"><ErrorBox error={(*sign_error).clone()} /></div>
        </div> }
    } else {
        html! {}
    };
    html! {
        <section id="ceremony-page" class="card">
            <h1>{ &v.name }<small>{ format!(" C{} · ", v.id) }{ match lang { Lang::Zh => format!("第 {} 次", v.attempt), Lang::En => format!("attempt {}", v.attempt) } }</small></h1>
            <p id="ceremony-status">{ if v.status == "ready" { lang.t("委员会密钥已生成", "The committee key is ready") } else { lang.t("密钥生成仪式进行中", "The key ceremony is running") } }
                { format!(" · {} {} / {}", lang.t("开启所需委员数", "officials needed to open:"), v.threshold + 1, v.officials.len()) }</p>
            if let Some(k) = &v.public_key { <p class="hint">{ lang.t("委员会公钥：", "Committee key: ") }<span class="mono" id="committee-key">{ k }</span></p> }
            <table class="list" id="roster"><thead><tr>
                <th>{ lang.t("序号", "No.") }</th><th>{ lang.t("委员", "Official") }</th><th>{ lang.t("证书序列号", "Certificate") }</th>
                <th>{ lang.t("份额", "Part") }</th><th>{ lang.t("已确认", "Acks sent") }</th><th></th>
                <th>{ lang.t("密钥指纹（本机计算，当面宣读）", "Key fingerprint (computed here, read aloud)") }</th><th></th>
            </tr></thead><tbody>{ for rows }</tbody></table>
            if let Some(c) = &ceremony {
                <p class="hint">{ lang.t("名单代码（本机根据名单中的全部公钥计算，应与其他委员看到的一致）：", "Roster code (computed here from every key on the roster; must match what the other officials see): ") }
                    <span class="mono" id="roster-code">{ roster_code(c) }</span></p>
            }
            if !v.complaints.is_empty() {
                <div class="error" id="complaints">{ lang.t("投诉：", "Complaints: ") }
                    { for v.complaints.iter().map(|x| format!("{} → {}: {}; ", v.name_of(x.complainer), v.name_of(x.accused), x.fault)) }</div>
            }
            if me.is_none() { <p class="hint">{ lang.t("您不在本次仪式的委员名单中。", "You are not on this ceremony's roster.") }</p> }
            { share_view.unwrap_or_default() }
            if me.is_some() && share.is_none() {
                <div class="take-part">
                    <label>{ lang.t("密钥份额密码（用于加密保存仪式状态和密钥份额，建议与密钥文件密码相同）", "Key share password (protects the ceremony state and your key share; your key file's password is a good choice)") }
                        <input type="password" id="ceremony-password" ref={password} autocomplete="current-password" /></label>
                    <button type="button" id="ceremony-start" class="primary" onclick={on_start} disabled={*running}>
                        { lang.t("参加密钥生成仪式", "Take part in the key ceremony") }</button>
                </div>
            }
            <Busy what={(*line).clone()} />
            if let Some(k) = &*done { <p class="ok" id="ceremony-done">{ lang.t("✓ 仪式完成，委员会公钥：", "✓ Ceremony complete; committee key: ") }<span class="mono">{ k }</span></p> }
            <ErrorBox error={(*error).clone()} />
            { statement_panel }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use rand_chacha02::ChaCha20Rng;
    use rand_chacha02::rand_core::SeedableRng;
    use sealbid_crypto::committee::statement::sign_all;
    use sealbid_crypto::committee::{CeremonyId, StatementSignature};
    use sealbid_crypto::threshold_crypto::SecretKeySet;

    use super::*;

    fn setup(seed: u8) -> (Vec<PrivateKey>, Ceremony, PublicKeySet) {
        let keys: Vec<PrivateKey> = (0..3).map(|_| PrivateKey::generate().unwrap()).collect();
        let id = CeremonyId { committee: "C9".into(), attempt: 1 };
        let c = Ceremony::new(id, keys.iter().map(PrivateKey::public_key).collect(), 1).unwrap();
        let set = SecretKeySet::random(1, &mut ChaCha20Rng::from_seed([seed; 32])).public_keys();
        (keys, c, set)
    }

    fn codes(c: &Ceremony) -> Vec<String> {
        c.officials().iter().map(fingerprint_code).collect()
    }

    #[test]
    fn an_official_signs_only_after_every_other_code_and_for_its_own_key_set() {
        let (keys, c, set) = setup(1);
        let all = codes(&c);
        let err = sign_statement(&c, None, &set, &keys[0], &all[..2]).unwrap_err();
        assert!(err.contains("official 2") && err.contains(&all[2]), "{err}");
        let entry = sign_statement(&c, None, &set, &keys[0], &all[1..]).unwrap();
        assert_eq!(entry.official, 0);
        // The server's statement names another key set than this official's replay computed.
        let (_, _, other) = setup(2);
        let served = StatementFile::new(&KeyStatement::new(&c, &other).unwrap(), &[]).unwrap();
        let err = sign_statement(&c, Some(&served), &set, &keys[0], &all).unwrap_err();
        assert!(err.contains("not the one your ceremony computed"), "{err}");
        // … or another roster.
        let (_, c2, _) = setup(3);
        let served = StatementFile::new(&KeyStatement::new(&c2, &set).unwrap(), &[]).unwrap();
        let err = sign_statement(&c, Some(&served), &set, &keys[0], &all).unwrap_err();
        assert!(err.contains("another roster"), "{err}");
    }

    #[test]
    fn the_status_counts_only_signatures_that_verify_here() {
        let (keys, c, set) = setup(4);
        let st = KeyStatement::new(&c, &set).unwrap();
        let mut sigs = sign_all(&st, &keys).unwrap();
        let file = StatementFile::new(&st, &sigs).unwrap();
        let status = statement_status(&c, &file, Some(&set)).unwrap();
        assert_eq!(status.signed, vec![true; 3]);
        assert!(status.complete.is_ok());
        assert_eq!(status.matches_own, Some(true));
        // Official 0's signature presented as official 2's does not count.
        sigs[2] = StatementSignature { official: 2, signature: sigs[0].signature };
        let file = StatementFile::new(&st, &sigs).unwrap();
        let (_, _, other) = setup(5);
        let status = statement_status(&c, &file, Some(&other)).unwrap();
        assert_eq!(status.signed, vec![true, true, false]);
        assert!(status.complete.unwrap_err().contains("official(s) 2"));
        assert_eq!(status.matches_own, Some(false));
    }
}
