//! Names of the organisations registered on the platform
//! (`GET /api/v1/organisations`), so pages can show a bidder or a buyer by
//! name beside its credit code. A page that cannot fetch them still works:
//! it shows the codes alone.

use std::collections::BTreeMap;
use std::rc::Rc;

use serde::Deserialize;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api::{self, ApiError};

/// An organisation as listed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Organisation {
    /// Unified social credit code.
    pub uscc: String,
    /// Registered name.
    pub name: String,
    /// `manufacturer`, `hospital`, `regulator` or `centre`.
    pub kind: String,
}

/// The organisations, optionally of one kind, by name.
pub async fn list(kind: Option<&str>) -> Result<Vec<Organisation>, ApiError> {
    match kind {
        Some(k) => api::get(&format!("/api/v1/organisations?kind={k}")).await,
        None => api::get("/api/v1/organisations").await,
    }
}

/// Credit code → name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names(Rc<BTreeMap<String, String>>);

impl Names {
    /// The names of `orgs`.
    pub fn of(orgs: Vec<Organisation>) -> Self {
        Self(Rc::new(orgs.into_iter().map(|o| (o.uscc, o.name)).collect()))
    }

    /// The name for `uscc`, if registered.
    pub fn name(&self, uscc: &str) -> Option<&str> {
        self.0.get(uscc).map(String::as_str)
    }

    /// `name（uscc）`, or the code alone when the name is unknown.
    pub fn label(&self, uscc: &str) -> String {
        match self.name(uscc) {
            Some(n) => format!("{n}（{uscc}）"),
            None => uscc.to_string(),
        }
    }

    /// The name, or the code when the name is unknown (for narrow places such as chart labels).
    pub fn short(&self, uscc: &str) -> String {
        self.name(uscc).unwrap_or(uscc).to_string()
    }
}

/// The names of every registered organisation, fetched once when the
/// component mounts (empty until then, or if the fetch fails).
#[hook]
pub fn use_names() -> Names {
    let names = use_state(Names::default);
    {
        let names = names.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                if let Ok(list) = list(None).await {
                    names.set(Names::of(list));
                }
            });
        });
    }
    (*names).clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_name_the_organisation_or_fall_back_to_the_code() {
        let names = Names::of(vec![Organisation {
            uscc: "91350100M000100Y43".into(),
            name: "福建某某制药有限公司".into(),
            kind: "manufacturer".into(),
        }]);
        assert_eq!(names.label("91350100M000100Y43"), "福建某某制药有限公司（91350100M000100Y43）");
        assert_eq!(names.short("91350100M000100Y43"), "福建某某制药有限公司");
        assert_eq!(names.label("12350000MB0000003X"), "12350000MB0000003X");
        assert_eq!(Names::default().short("X"), "X");
    }
}
