//! The opening-committee official's pages: my committees and their key
//! ceremonies, the key shares kept in this browser (import, export), and
//! the tenders my committees open.
//!
//! | module | what |
//! |---|---|
//! | [`ceremony`] | the key ceremony, taken part in from the browser; the fingerprints read aloud and the signed key statement |
//! | [`opening`] | the official's own checks of the opening, decryption shares of the accepted envelopes with a progress bar, the opening's progress |
//! | [`bench`] | the in-browser benchmark: 1,000 decryption shares |
//! | [`results`] | the evaluation with a price chart per item |
//! | [`verify`] | the signed, time-stamped results checked in the browser |
//! | [`dkg`], [`shares`] | the cryptographic steps behind them (no user interface) |

pub mod bench;
pub mod ceremony;
pub mod dkg;
pub mod opening;
pub mod results;
pub mod shares;
pub mod verify;

use serde::Deserialize;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api::{self, ApiError};
use crate::components::{Busy, ErrorBox, chosen_file, download, read_file};
use crate::i18n::Lang;
use crate::keystore::{self, StoredShare};
use crate::pages::show_time_text;
use crate::pages::tenders::status_name;
use crate::session::Session;

/// A committee as listed (`GET /api/v1/committees`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CommitteeSummary {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// t: any t + 1 officials open.
    pub threshold: i64,
    /// Ceremony attempt.
    pub attempt: i64,
    /// `ceremony` or `ready`.
    pub status: String,
    /// Hex of the threshold public key, once ready.
    pub public_key: Option<String>,
}

/// An official of a committee's current roster.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Member {
    /// Index in the ceremony.
    pub index: usize,
    /// Certificate serial.
    pub serial: String,
    /// Name.
    pub name: String,
}

/// A complaint as the committee view names it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ComplaintView {
    /// Who complained.
    pub complainer: usize,
    /// Against whom.
    pub accused: usize,
    /// The fault.
    pub fault: String,
}

/// One committee (`GET /api/v1/committees/{id}`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CommitteeView {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// t.
    pub threshold: usize,
    /// Attempt.
    pub attempt: i64,
    /// `ceremony` or `ready`.
    pub status: String,
    /// The roster.
    pub officials: Vec<Member>,
    /// Hex of the committee key, once ready.
    pub public_key: Option<String>,
    /// Dealers whose parts are complete.
    #[serde(default)]
    pub complete_parts: Vec<usize>,
    /// Officials who have not dealt or acked yet.
    #[serde(default)]
    pub silent: Vec<usize>,
    /// Complaints.
    #[serde(default)]
    pub complaints: Vec<ComplaintView>,
}

impl CommitteeView {
    /// An official's name by index.
    pub fn name_of(&self, index: usize) -> String {
        self.officials.iter().find(|m| m.index == index).map(|m| m.name.clone()).unwrap_or_default()
    }
}

/// A tender as listed, with its committee.
#[derive(Debug, Clone, PartialEq, Deserialize)]
struct TenderRow {
    id: String,
    title: String,
    opening_at: String,
    committee_id: i64,
    status: String,
}

/// Properties of [`ShareImport`].
#[derive(Properties, PartialEq)]
pub struct ShareImportProps {
    /// The importing official's certificate serial.
    pub owner: String,
    /// Called with the share once it is kept.
    pub on_imported: Callback<StoredShare>,
}

/// Imports a password-encrypted key-share file into this browser.
#[component(ShareImport)]
pub fn share_import(props: &ShareImportProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let error = use_state(|| None::<String>);
    let onchange = {
        let (error, owner, done) = (error.clone(), props.owner.clone(), props.on_imported.clone());
        Callback::from(move |e: Event| {
            let Some(file) = chosen_file(&e) else { return };
            let (error, owner, done) = (error.clone(), owner.clone(), done.clone());
            spawn_local(async move {
                let kept = async {
                    let bytes = read_file(&file).await?;
                    let share = StoredShare::new(&bytes, &file.name(), &owner).map_err(|e| {
                        format!("{}: {e}", lang.t("不是密钥份额文件", "not a key-share file"))
                    })?;
                    keystore::save_share(&share).await?;
                    Ok::<_, String>(share)
                }
                .await;
                match kept {
                    Ok(s) => {
                        error.set(None);
                        done.emit(s);
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    html! {
        <div class="share-import">
            <label>{ lang.t("导入密钥份额文件（加密，.share）", "Import a key-share file (encrypted, .share)") }
                <input type="file" id="share-file" accept=".share,.bin" {onchange} /></label>
            <ErrorBox error={(*error).clone()} />
        </div>
    }
}

/// Offers a kept share file as a download (still encrypted).
pub fn export_share(share: &StoredShare) -> Result<(), String> {
    download(&share.name, &share.bytes()?, "application/octet-stream")
}

/// Properties of [`OfficialPage`].
#[derive(Properties, PartialEq)]
pub struct OfficialProps {
    /// The official's session.
    pub session: Session,
    /// Opens a committee's ceremony page.
    pub on_ceremony: Callback<i64>,
    /// Opens a tender's opening page.
    pub on_opening: Callback<String>,
}

/// The official's home: committees, kept key shares, tenders to open.
#[component(OfficialPage)]
pub fn official_page(props: &OfficialProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let committees = use_state(|| None::<Result<Vec<CommitteeSummary>, ApiError>>);
    let tenders = use_state(|| None::<Result<Vec<TenderRow>, ApiError>>);
    let kept = use_state(Vec::<StoredShare>::new);
    let error = use_state(|| None::<String>);
    let reload = use_state(|| 0u32);
    {
        let (committees, tenders, kept, error) =
            (committees.clone(), tenders.clone(), kept.clone(), error.clone());
        use_effect_with(*reload, move |_| {
            spawn_local(async move {
                committees.set(Some(api::get("/api/v1/committees").await));
                tenders.set(Some(api::get("/api/v1/tenders").await));
                match keystore::shares().await {
                    Ok(s) => kept.set(s),
                    Err(e) => error.set(Some(e)),
                }
            });
        });
    }
    let on_imported = {
        let reload = reload.clone();
        Callback::from(move |_| reload.set(*reload + 1))
    };
    let mine: Vec<CommitteeSummary> = match &*committees {
        Some(Ok(c)) => c.clone(),
        _ => Vec::new(),
    };
    let has_share = |c: &CommitteeSummary| {
        kept.iter().any(|s| s.committee_key.is_some() && s.committee_key == c.public_key)
    };
    let committee_rows = mine.iter().map(|c| {
        let (go, id) = (props.on_ceremony.clone(), c.id);
        let share = if has_share(c) { lang.t("✓ 已保存", "✓ kept") } else { lang.t("无", "none") };
        html! { <tr>
            <td>{ c.id }</td><td>{ &c.name }</td><td>{ format!("{} / {}", c.threshold + 1, lang.t("委员", "officials")) }</td>
            <td>{ if c.status == "ready" { lang.t("密钥已生成", "Key ready") } else { lang.t("密钥生成仪式进行中", "Key ceremony running") } }</td>
            <td class="share-state">{ share }</td>
            <td><button type="button" class="open-ceremony" data-id={c.id.to_string()}
                onclick={Callback::from(move |_| go.emit(id))}>{ lang.t("密钥生成仪式", "Key ceremony") }</button></td>
        </tr> }
    });
    let share_rows = kept.iter().filter(|s| s.owner == props.session.user.serial).map(|s| {
        let (share, error) = (s.clone(), error.clone());
        let on_export = Callback::from(move |_| error.set(export_share(&share).err()));
        let committee = s.committee_key.as_ref().and_then(|k| mine.iter().find(|c| c.public_key.as_ref() == Some(k)));
        html! { <tr class="kept-share" data-name={s.name.clone()}>
            <td>{ &s.name }</td><td>{ committee.map(|c| c.name.clone()).unwrap_or_else(|| "—".into()) }</td>
            <td>{ s.index + 1 }</td><td class="mono">{ &s.context[..16] }</td>
            <td><button type="button" class="export-share" onclick={on_export}>{ lang.t("导出", "Export") }</button></td>
        </tr> }
    });
    let tender_body = match &*tenders {
        None => html! { <Busy what={Some(lang.t("正在读取…", "Loading…").to_string())} /> },
        Some(Err(e)) => html! { <ErrorBox error={Some(e.to_string())} /> },
        Some(Ok(list)) => {
            let rows = list.iter().filter(|t| mine.iter().any(|c| c.id == t.committee_id)).map(|t| {
                let (go, id) = (props.on_opening.clone(), t.id.clone());
                html! { <tr>
                    <td>{ &t.id }</td><td>{ &t.title }</td><td>{ status_name(&t.status, lang) }</td>
                    <td>{ show_time_text(&t.opening_at) }</td>
                    <td><button type="button" class="open-opening" data-id={t.id.clone()}
                        onclick={Callback::from(move |_| go.emit(id.clone()))}>{ lang.t("开标", "Opening") }</button></td>
                </tr> }
            });
            html! { <table class="list" id="opening-tenders"><thead><tr>
                <th>{ lang.t("编号", "Id") }</th><th>{ lang.t("项目名称", "Title") }</th><th>{ lang.t("状态", "Status") }</th>
                <th>{ lang.t("开标时间（北京时间）", "Opening (Beijing time)") }</th><th></th>
            </tr></thead><tbody>{ for rows }</tbody></table> }
        }
    };
    html! {
        <section id="official-page" class="card">
            <h1>{ lang.t("开标委员会", "Opening committee") }</h1>
            <h2>{ lang.t("我的开标委员会", "My committees") }</h2>
            if let Some(Err(e)) = &*committees { <ErrorBox error={Some(e.to_string())} /> }
            <table class="list" id="my-committees"><thead><tr>
                <th>{ lang.t("编号", "Id") }</th><th>{ lang.t("名称", "Name") }</th><th>{ lang.t("开启所需", "Needed to open") }</th>
                <th>{ lang.t("状态", "Status") }</th><th>{ lang.t("本浏览器中的密钥份额", "Key share in this browser") }</th><th></th>
            </tr></thead><tbody>{ for committee_rows }</tbody></table>
            <h2>{ lang.t("本浏览器保存的密钥份额", "Key shares kept in this browser") }</h2>
            <p class="hint">{ lang.t("密钥份额以加密文件形式保存在本浏览器（IndexedDB）中，只在本机解密使用。", "Key shares are kept encrypted in this browser (IndexedDB) and decrypted only here.") }</p>
            <table class="list" id="kept-shares"><thead><tr>
                <th>{ lang.t("文件", "File") }</th><th>{ lang.t("委员会", "Committee") }</th><th>{ lang.t("委员序号", "Official no.") }</th>
                <th>{ lang.t("仪式", "Ceremony") }</th><th></th>
            </tr></thead><tbody>{ for share_rows }</tbody></table>
            <ShareImport owner={props.session.user.serial.clone()} {on_imported} />
            <ErrorBox error={(*error).clone()} />
            <h2>{ lang.t("待开标项目", "Tenders to open") }</h2>
            { tender_body }
        </section>
    }
}
