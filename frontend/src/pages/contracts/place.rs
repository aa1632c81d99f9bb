//! Choosing where the seal goes: an A4 page drawn to scale with the
//! contract's reserved seal places; a click puts the seal's centre there
//! (page from 1, millimetres from the lower-left corner, as the server's
//! `sign/prepare` takes them).

use yew::prelude::*;

use super::Place;
use crate::i18n::Lang;

/// A4 width, mm.
pub const PAGE_W_MM: f32 = 210.0;
/// A4 height, mm.
pub const PAGE_H_MM: f32 = 297.0;
/// Screen pixels per millimetre of the drawn page.
const SCALE: f32 = 1.5;
/// Millimetres per PDF point.
const MM_PER_PT: f32 = 25.4 / 72.0;
/// The drawn seal's diameter, mm (a standard round seal).
const SEAL_MM: f32 = 40.0;

/// A chosen position: page (from 1), x and y in mm from the lower-left corner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Position {
    /// Page, from 1.
    pub page: usize,
    /// Millimetres from the left edge.
    pub x: f32,
    /// Millimetres from the bottom edge.
    pub y: f32,
}

impl Position {
    /// The centre of a reserved place.
    pub fn of_place(p: &Place) -> Self {
        let [a, b, c, d] = p.rect;
        Self { page: p.page + 1, x: (a + c) / 2.0 * MM_PER_PT, y: (b + d) / 2.0 * MM_PER_PT }
    }
}

/// Properties of [`PlacePicker`].
#[derive(Properties, PartialEq)]
pub struct PlaceProps {
    /// Pages of the document.
    pub pages: usize,
    /// The reserved places (drawn dashed).
    pub places: Vec<Place>,
    /// Where the seal goes now.
    pub at: Position,
    /// Whether `at` is the reserved place (the default).
    pub is_default: bool,
    /// Called with a new position, or `None` to go back to the default.
    pub on_pick: Callback<Option<Position>>,
    /// The seal's picture (URL), drawn at the chosen place.
    #[prop_or_default]
    pub picture: Option<String>,
}

/// The place picker.
#[component(PlacePicker)]
pub fn place_picker(props: &PlaceProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let at = props.at;
    let on_click = {
        let on_pick = props.on_pick.clone();
        Callback::from(move |e: MouseEvent| {
            let x = (e.offset_x() as f32 / SCALE).clamp(0.0, PAGE_W_MM);
            let y = (PAGE_H_MM - e.offset_y() as f32 / SCALE).clamp(0.0, PAGE_H_MM);
            let round = |v: f32| (v * 10.0).round() / 10.0;
            on_pick.emit(Some(Position { page: at.page, x: round(x), y: round(y) }));
        })
    };
    let on_page = {
        let on_pick = props.on_pick.clone();
        Callback::from(move |e: Event| {
            if let Some(sel) = e.target_dyn_into::<web_sys::HtmlSelectElement>()
                && let Ok(page) = sel.value().parse::<usize>()
            {
                on_pick.emit(Some(Position { page, ..at }));
            }
        })
    };
    let on_reset = {
        let on_pick = props.on_pick.clone();
        Callback::from(move |_| on_pick.emit(None))
    };
    let px = |mm: f32| format!("{:.1}px", mm * SCALE);
    let boxes = props.places.iter().filter(|p| p.page + 1 == at.page).map(|p| {
        let [a, b, c, d] = p.rect.map(|v| v * MM_PER_PT);
        let style = format!(
            "left:{};top:{};width:{};height:{}",
            px(a),
            px(PAGE_H_MM - d),
            px(c - a),
            px(d - b)
        );
        html! { <div class="reserved" {style} title={p.role.clone()}>{ super::party_name(&p.role, lang) }</div> }
    });
    let r = SEAL_MM / 2.0;
    let picture = props.picture.as_ref().map(|u| format!(";background-image:url('{u}')")).unwrap_or_default();
    let marker = format!(
        "left:{};top:{};width:{};height:{}{picture}",
        px(at.x - r),
        px(PAGE_H_MM - at.y - r),
        px(SEAL_MM),
        px(SEAL_MM)
    );
    let page_style = format!("width:{};height:{}", px(PAGE_W_MM), px(PAGE_H_MM));
    html! {
        <div class="place-picker">
            <label>{ lang.t("页码", "Page") }{ " " }
                <select id="seal-page" onchange={on_page}>
                    { for (1..=props.pages.max(at.page)).map(|n| html! { <option value={n.to_string()} selected={n == at.page}>{ n }</option> }) }
                </select>
            </label>
            <span id="seal-position" class="mono">{ format!(" x = {:.1} mm, y = {:.1} mm ", at.x, at.y) }</span>
            if props.is_default {
                <span class="hint">{ lang.t("（合同预留的签章位置）", "(the contract's reserved place)") }</span>
            } else {
                <button type="button" class="link" id="seal-place-reset" onclick={on_reset}>{ lang.t("恢复预留位置", "Back to the reserved place") }</button>
            }
            <div class="page-box" id="page-box" style={page_style} onclick={on_click}
                title={lang.t("点击选择印章中心位置", "Click where the seal's centre goes")}>
                { for boxes }
                <div class="seal-marker" id="seal-marker" style={marker}></div>
            </div>
            <p class="hint">{ lang.t("A4 页面示意（左下角为原点）；点击页面选择印章位置。", "A4 page to scale (origin at the lower left); click to place the seal.") }</p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::{Place, Position};

    #[test]
    fn a_reserved_place_becomes_its_centre_in_millimetres_on_pages_from_one() {
        let p = Place { role: "seller".into(), page: 0, rect: [72.0, 144.0, 144.0, 216.0] };
        let at = Position::of_place(&p);
        assert_eq!(at.page, 1);
        assert!((at.x - 38.1).abs() < 1e-3 && (at.y - 63.5).abs() < 1e-3, "{at:?}");
    }
}
