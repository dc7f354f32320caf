//! The widget's words in its seven locales (en, de, fr, es, pt, ja, ar) and the locale choice:
//! the host's override, else `<html lang>`, else the browser. Dates and relative times come from
//! the browser's `Intl` in the same locale; Arabic is laid out right to left.

use herald_shared::wire::ItemStatus;

/// One locale's words.
pub struct Words {
    pub tag: &'static str,
    pub rtl: bool,
    pub updated: &'static str,
    pub next_update: &'static str,
    pub status_page: &'static str,
    pub dismiss: &'static str,
    pub more: &'static str,
    pub less: &'static str,
    pub subscribe: &'static str,
    pub scheduled: &'static str,
    pub effective: &'static str,
    /// Investigating, Identified, Monitoring, Resolved, Scheduled, In progress, Verifying,
    /// Completed, Announced, In effect.
    pub statuses: [&'static str; 10],
}

impl Words {
    pub fn status(&self, s: ItemStatus) -> &'static str {
        let i = match s {
            ItemStatus::Investigating => 0,
            ItemStatus::Identified => 1,
            ItemStatus::Monitoring => 2,
            ItemStatus::Resolved => 3,
            ItemStatus::Scheduled => 4,
            ItemStatus::InProgress => 5,
            ItemStatus::Verifying => 6,
            ItemStatus::Completed => 7,
            ItemStatus::Announced => 8,
            ItemStatus::InEffect => 9,
            ItemStatus::Unknown => return "",
        };
        self.statuses[i]
    }
}

pub const LOCALES: [Words; 7] = [
    Words {
        tag: "en",
        rtl: false,
        updated: "Updated",
        next_update: "Next update by",
        status_page: "Status page",
        dismiss: "Dismiss",
        more: "More",
        less: "Less",
        subscribe: "Subscribe",
        scheduled: "Scheduled",
        effective: "Takes effect",
        statuses: [
            "Investigating",
            "Identified",
            "Monitoring",
            "Resolved",
            "Scheduled",
            "In progress",
            "Verifying",
            "Completed",
            "Announced",
            "In effect",
        ],
    },
    Words {
        tag: "de",
        rtl: false,
        updated: "Aktualisiert",
        next_update: "Nächstes Update bis",
        status_page: "Statusseite",
        dismiss: "Schließen",
        more: "Mehr",
        less: "Weniger",
        subscribe: "Abonnieren",
        scheduled: "Geplant",
        effective: "Gültig ab",
        statuses: [
            "Wird untersucht",
            "Ursache gefunden",
            "Wird beobachtet",
            "Behoben",
            "Geplant",
            "Läuft",
            "Wird geprüft",
            "Abgeschlossen",
            "Angekündigt",
            "In Kraft",
        ],
    },
    Words {
        tag: "fr",
        rtl: false,
        updated: "Mis à jour",
        next_update: "Prochaine mise à jour avant",
        status_page: "Page d’état",
        dismiss: "Fermer",
        more: "Plus",
        less: "Moins",
        subscribe: "S’abonner",
        scheduled: "Prévu",
        effective: "En vigueur le",
        statuses: [
            "Analyse en cours",
            "Cause identifiée",
            "Surveillance",
            "Résolu",
            "Planifiée",
            "En cours",
            "Vérification",
            "Terminée",
            "Annoncé",
            "En vigueur",
        ],
    },
    Words {
        tag: "es",
        rtl: false,
        updated: "Actualizado",
        next_update: "Próxima actualización antes de las",
        status_page: "Página de estado",
        dismiss: "Cerrar",
        more: "Más",
        less: "Menos",
        subscribe: "Suscribirse",
        scheduled: "Programado",
        effective: "Vigente desde",
        statuses: [
            "Investigando",
            "Identificado",
            "En observación",
            "Resuelto",
            "Programado",
            "En curso",
            "Verificando",
            "Completado",
            "Anunciado",
            "Vigente",
        ],
    },
    Words {
        tag: "pt",
        rtl: false,
        updated: "Atualizado",
        next_update: "Próxima atualização até",
        status_page: "Página de status",
        dismiss: "Fechar",
        more: "Mais",
        less: "Menos",
        subscribe: "Assinar",
        scheduled: "Agendado",
        effective: "Em vigor a partir de",
        statuses: [
            "Investigando",
            "Identificado",
            "Monitorando",
            "Resolvido",
            "Agendado",
            "Em andamento",
            "Verificando",
            "Concluído",
            "Anunciado",
            "Em vigor",
        ],
    },
    Words {
        tag: "ja",
        rtl: false,
        updated: "更新",
        next_update: "次回の更新予定",
        status_page: "ステータスページ",
        dismiss: "閉じる",
        more: "続きを読む",
        less: "閉じる",
        subscribe: "購読する",
        scheduled: "予定",
        effective: "適用開始",
        statuses: [
            "調査中",
            "原因特定",
            "経過観察中",
            "解決済み",
            "予定",
            "実施中",
            "確認中",
            "完了",
            "告知",
            "適用中",
        ],
    },
    Words {
        tag: "ar",
        rtl: true,
        updated: "آخر تحديث",
        next_update: "التحديث التالي قبل",
        status_page: "صفحة الحالة",
        dismiss: "إغلاق",
        more: "المزيد",
        less: "أقل",
        subscribe: "اشترك",
        scheduled: "مجدول",
        effective: "يسري من",
        statuses: [
            "قيد التحقيق",
            "تم تحديد السبب",
            "قيد المراقبة",
            "تم الحل",
            "مجدولة",
            "جارية",
            "قيد التحقق",
            "مكتملة",
            "تم الإعلان",
            "سارٍ",
        ],
    },
];

/// The language tag to format with and the words to show: the first of `wanted`, `<html lang>`
/// and the browser's language that names a supported language (by its primary subtag).
pub fn resolve(wanted: Option<&str>) -> (String, &'static Words) {
    let document_lang = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
        .and_then(|e| e.get_attribute("lang"));
    let browser = web_sys::window().and_then(|w| w.navigator().language());
    [wanted.map(str::to_owned), document_lang, browser]
        .into_iter()
        .flatten()
        .find_map(|tag| {
            let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
            let words = LOCALES.iter().find(|w| w.tag == primary)?;
            Some((tag, words))
        })
        .unwrap_or_else(|| ("en".to_owned(), &LOCALES[0]))
}
