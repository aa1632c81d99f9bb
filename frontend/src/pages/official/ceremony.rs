//! A committee's key ceremony, taken part in from the browser: the roster
//! with who has dealt, who is silent and the complaints; the official's own
//! steps ([`super::dkg`]) run here against the relayed messages, signed
//! messages are posted, and at the end the key share is kept in this browser,
//! password-encrypted, exportable.

use std::cell::RefCell;
use std::rc::Rc;

use gloo::timers::callback::Interval;
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

/// Takes part until the ceremony is ready (or the page goes away); returns the committee key.
async fn take_part(
    id: i64,
    identity: Rc<Identity>,
    owner: String,
    password: String,
    alive: Rc<RefCell<bool>>,
    lang: Lang,
    report: Report,
) -> Result<Option<String>, String> {
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
            let (committee_key, share_file) = dkg::finish(&step.keygen, &c, me, password.as_bytes())?;
            let name = format!("{}-attempt{}-official{}.share", file.committee, file.attempt, me + 1);
            let kept = StoredShare::new(&share_file, &name, &owner)?;
            keystore::save_share(&kept).await?;
            report.line.set(None);
            bump();
            return Ok(Some(committee_key));
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
    let alive = use_mut_ref(|| true);
    {
        let alive = alive.clone();
        use_effect_with((), move |_| move || *alive.borrow_mut() = false);
    }
    {
        let (view, file, kept, error, id) =
            (view.clone(), file.clone(), kept.clone(), error.clone(), props.id);
        use_effect_with((id, *reload), move |(id, _)| {
            let id = *id;
            let fetch = move || {
                let (view, file, kept, error) = (view.clone(), file.clone(), kept.clone(), error.clone());
                spawn_local(async move {
                    view.set(Some(api::get(&format!("/api/v1/committees/{id}")).await));
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
    let on_start = {
        let (line, done, running, error, reload, alive) =
            (line.clone(), done.clone(), running.clone(), error.clone(), reload.clone(), alive.clone());
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
            let (done, running, error, line, alive, identity, owner) = (
                done.clone(),
                running.clone(),
                error.clone(),
                line.clone(),
                alive.clone(),
                identity.clone(),
                owner.clone(),
            );
            spawn_local(async move {
                let result = take_part(id, identity, owner, pw, alive, lang, report).await;
                line.set(None);
                running.set(false);
                match result {
                    Ok(Some(key)) => done.set(Some(key)),
                    Ok(None) => {}
                    Err(e) => {
                        error.set(Some(format!("{}: {e}", lang.t("仪式中断", "The ceremony step failed"))))
                    }
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
        html! { <tr class={if Some(m.index) == me { "me" } else { "" }}>
            <td>{ m.index + 1 }</td><td>{ &m.name }</td><td class="mono">{ &m.serial }</td>
            <td class="part-state">{ state }</td><td class="num">{ acks(m.index) }</td>
            <td>{ if v.silent.contains(&m.index) { lang.t("待参与", "to act") } else { "" } }</td>
        </tr> }
    });
    let share_view = share.as_ref().map(|s| {
        let (kept_share, error) = (s.clone(), error.clone());
        let on_export = Callback::from(move |_| error.set(export_share(&kept_share).err()));
        html! { <p class="ok" id="ceremony-share">{ lang.t("✓ 本人的密钥份额已加密保存在本浏览器：", "✓ Your key share is kept, encrypted, in this browser: ") }{ format!("{} ", s.name) }
            <button type="button" id="export-ceremony-share" onclick={on_export}>{ lang.t("导出密钥份额文件", "Export the key-share file") }</button></p> }
    });
    html! {
        <section id="ceremony-page" class="card">
            <h1>{ &v.name }<small>{ format!(" C{} · ", v.id) }{ match lang { Lang::Zh => format!("第 {} 次", v.attempt), Lang::En => format!("attempt {}", v.attempt) } }</small></h1>
            <p id="ceremony-status">{ if v.status == "ready" { lang.t("委员会密钥已生成", "The committee key is ready") } else { lang.t("密钥生成仪式进行中", "The key ceremony is running") } }
                { format!(" · {} {} / {}", lang.t("开启所需委员数", "officials needed to open:"), v.threshold + 1, v.officials.len()) }</p>
            if let Some(k) = &v.public_key { <p class="hint">{ lang.t("委员会公钥：", "Committee key: ") }<span class="mono" id="committee-key">{ k }</span></p> }
            <table class="list" id="roster"><thead><tr>
                <th>{ lang.t("序号", "No.") }</th><th>{ lang.t("委员", "Official") }</th><th>{ lang.t("证书序列号", "Certificate") }</th>
                <th>{ lang.t("份额", "Part") }</th><th>{ lang.t("已确认", "Acks sent") }</th><th></th>
            </tr></thead><tbody>{ for rows }</tbody></table>
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
        </section>
    }
}
