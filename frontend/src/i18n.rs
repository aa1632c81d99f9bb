//! The interface language: Simplified Chinese by default, English on request.
//! Texts are written in place as pairs (`lang.t("登录", "Log in")`), so each
//! page reads in both languages at once; the choice is kept in the browser.

use gloo::storage::{LocalStorage, Storage};

/// Where the choice is kept.
const STORAGE_KEY: &str = "sealbid.lang";

/// An interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Simplified Chinese.
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// The text for this language.
    pub fn t(self, zh: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// The other language (what the switch offers).
    pub fn other(self) -> Self {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// BCP 47 tag for the page's `lang` attribute.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The switch's label: the other language, in that language.
    pub fn switch_label(self) -> &'static str {
        match self {
            Lang::Zh => "English",
            Lang::En => "中文",
        }
    }

    /// Parses a stored tag; anything unknown is Chinese.
    pub fn from_tag(tag: &str) -> Self {
        if tag == "en" { Lang::En } else { Lang::Zh }
    }

    /// The stored choice, Chinese when none.
    pub fn load() -> Self {
        LocalStorage::get::<String>(STORAGE_KEY).map(|t| Self::from_tag(&t)).unwrap_or_default()
    }

    /// Keeps the choice and marks the document's language.
    pub fn save(self) {
        let _ = LocalStorage::set(STORAGE_KEY, self.tag());
        if let Some(root) = gloo::utils::document().document_element() {
            let _ = root.set_attribute("lang", self.tag());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Lang;

    #[test]
    fn switching_goes_both_ways_and_tags_round_trip() {
        assert_eq!(Lang::default(), Lang::Zh);
        assert_eq!(Lang::Zh.other(), Lang::En);
        assert_eq!(Lang::En.other().other(), Lang::En);
        assert_eq!(Lang::Zh.t("登录", "Log in"), "登录");
        assert_eq!(Lang::En.t("登录", "Log in"), "Log in");
        for l in [Lang::Zh, Lang::En] {
            assert_eq!(Lang::from_tag(l.tag()), l);
        }
        assert_eq!(Lang::from_tag("fr"), Lang::Zh);
    }
}
