//! The CA operator's pages: certificate applications (review with the seal
//! samples, approve, reject), certificates (expiring soon, revoke, unlock,
//! status), seals (approve, reject, suspend, reinstate, revoke) and signing
//! statistics with charts.

pub mod applications;
pub mod certificates;
pub mod seals;
pub mod stats;

use yew::prelude::*;

use crate::i18n::Lang;

/// One of the operator's pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpPage {
    /// Certificate applications.
    Applications,
    /// Issued certificates.
    Certificates,
    /// Seals.
    Seals,
    /// Signing statistics.
    Stats,
}

impl OpPage {
    /// Every page, in menu order.
    pub const ALL: [OpPage; 4] = [OpPage::Applications, OpPage::Certificates, OpPage::Seals, OpPage::Stats];

    /// The menu entry's element id.
    pub fn nav_id(self) -> &'static str {
        match self {
            OpPage::Applications => "nav-op-applications",
            OpPage::Certificates => "nav-op-certificates",
            OpPage::Seals => "nav-op-seals",
            OpPage::Stats => "nav-op-stats",
        }
    }

    /// The page's title.
    pub fn title(self, lang: Lang) -> &'static str {
        match self {
            OpPage::Applications => lang.t("证书申请审核", "Applications"),
            OpPage::Certificates => lang.t("证书管理", "Certificates"),
            OpPage::Seals => lang.t("印章管理", "Seals"),
            OpPage::Stats => lang.t("签名统计", "Signing statistics"),
        }
    }
}

/// Properties of [`OperatorPage`].
#[derive(Properties, PartialEq)]
pub struct OperatorProps {
    /// Which page.
    pub page: OpPage,
}

/// The operator page chosen in the menu.
#[component(OperatorPage)]
pub fn operator_page(props: &OperatorProps) -> Html {
    match props.page {
        OpPage::Applications => html! { <applications::ApplicationsPage /> },
        OpPage::Certificates => html! { <certificates::CertificatesPage /> },
        OpPage::Seals => html! { <seals::SealsPage /> },
        OpPage::Stats => html! { <stats::StatsPage /> },
    }
}

/// The outcome of an action: a success line with this id, or the error.
pub fn outcome_html(outcome: &Option<Result<String, String>>, id: &'static str) -> Html {
    match outcome {
        Some(Ok(m)) => html! { <p class="ok" id={id}>{ m }</p> },
        Some(Err(e)) => html! { <crate::components::ErrorBox error={Some(e.clone())} /> },
        None => html! {},
    }
}
