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

/// The registered organisations, by name, with their names by credit code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names {
    list: Rc<Vec<Organisation>>,
    by_code: Rc<BTreeMap<String, String>>,
}

impl Names {
    /// The names of `orgs`.
    pub fn of(orgs: Vec<Organisation>) -> Self {
        let by_code = orgs.iter().map(|o| (o.uscc.clone(), o.name.clone())).collect();
        Self { list: Rc::new(orgs), by_code: Rc::new(by_code) }
    }

    /// The organisations of one kind (`hospital`, …), by name.
    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Organisation> + 'a {
        self.list.iter().filter(move |o| o.kind == kind)
    }

    /// The name for `uscc`, if registered.
    pub fn name(&self, uscc: &str) -> Option<&str> {
        self.by_code.get(uscc).map(String::as_str)
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

/// Every registered organisation, fetched once when the component mounts:
/// `None` until the answer comes.
#[hook]
pub fn use_organisations() -> Option<Result<Names, ApiError>> {
    let orgs = use_state(|| None::<Result<Names, ApiError>>);
    {
        let orgs = orgs.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                let list: Result<Vec<Organisation>, ApiError> = api::get("/api/v1/organisations").await;
                orgs.set(Some(list.map(Names::of)));
            });
        });
    }
    (*orgs).clone()
}

/// The names of every registered organisation (empty until they come, or if
/// they cannot be fetched: pages then show the codes alone).
#[hook]
pub fn use_names() -> Names {
    use_organisations().and_then(Result::ok).unwrap_or_default()
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
        assert_eq!(names.of_kind("manufacturer").count(), 1);
        assert_eq!(names.of_kind("hospital").count(), 0);
        assert_eq!(Names::default().short("X"), "X");
    }
}
