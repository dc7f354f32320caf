//! The words of the messages a subscriber receives, per locale: the seven the widget speaks
//! (en, de, fr, es, pt, ar, ja). The communicator's own title and body are sent as written; every
//! word around them (statuses, facts, links, confirmations, reminders, receipt requests) is here.

use serde::{Deserialize, Serialize};

use crate::model::{ComponentStatus, IncidentStatus, MaintenanceStatus, NoticeKind, Page};

/// A language a message can be written in.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Locale {
    #[default]
    En,
    De,
    Fr,
    Es,
    Pt,
    Ar,
    Ja,
}

impl Locale {
    pub const ALL: [Locale; 7] = [
        Self::En,
        Self::De,
        Self::Fr,
        Self::Es,
        Self::Pt,
        Self::Ar,
        Self::Ja,
    ];

    pub fn tag(self) -> &'static str {
        self.words().tag
    }

    /// The locale of a BCP 47 tag, by its primary subtag (`de-AT` is German); `None` for a
    /// language without words here.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Self::ALL.into_iter().find(|l| l.tag() == primary)
    }

    /// The language a reader of `page` gets: theirs when it has words here, else the page's
    /// default, else English.
    pub fn for_reader(page: &Page, wanted: Option<&str>) -> Locale {
        wanted
            .and_then(Self::from_tag)
            .or_else(|| Self::from_tag(page.default_locale()))
            .unwrap_or_default()
    }

    pub fn words(self) -> &'static Words {
        match self {
            Self::En => &EN,
            Self::De => &DE,
            Self::Fr => &FR,
            Self::Es => &ES,
            Self::Pt => &PT,
            Self::Ar => &AR,
            Self::Ja => &JA,
        }
    }
}

/// One locale's words. Patterns name their values in braces (`{page}`, `{at}`), replaced by
/// `Words::fill`; values are inserted as they are (the channel escapes them afterwards).
#[derive(Debug)]
pub struct Words {
    pub tag: &'static str,
    /// Investigating, Identified, Monitoring, Resolved.
    pub incident: [&'static str; 4],
    pub postmortem: &'static str,
    /// Scheduled, In progress, Verifying, Completed.
    pub maintenance: [&'static str; 4],
    /// Service update, Policy change, Pricing change, other.
    pub notice: [&'static str; 4],
    /// Operational, Under maintenance, Degraded performance, Partial outage, Major outage.
    pub component: [&'static str; 5],
    /// `{list}`.
    pub affected: &'static str,
    /// `{from}`, `{until}`.
    pub window: &'static str,
    /// `{at}`.
    pub takes_effect: &'static str,
    /// `{at}`.
    pub next_update: &'static str,
    pub view: &'static str,
    pub status_page: &'static str,
    /// The receipt request in plain text: `{url}`.
    pub confirm_read_text: &'static str,
    /// The receipt request as a link.
    pub confirm_read: &'static str,
    pub choose: &'static str,
    pub unsubscribe: &'static str,
    /// Before the unsubscribe link in an SMS.
    pub stop: &'static str,
    /// A component's new status as a sentence: `{component}`, `{status}`.
    pub is_now: &'static str,
    /// Whether the status is lowercased inside `is_now`.
    pub lowercase_status: bool,
    /// A maintenance reminder's status: `{duration}`.
    pub reminder: &'static str,
    /// One and many (`{n}`) minutes, hours, days.
    pub minutes: (&'static str, &'static str),
    pub hours: (&'static str, &'static str),
    pub days: (&'static str, &'static str),
    /// The double opt-in: `{page}`.
    pub confirm_subject: &'static str,
    /// `{page}`.
    pub confirm_asked: &'static str,
    pub confirm_link: &'static str,
    pub confirm: &'static str,
    pub confirm_ignore: &'static str,
    /// `{page}`, `{url}`.
    pub confirm_sms: &'static str,
    /// A chat channel's first message: `{page}`.
    pub channel_confirmed: &'static str,
}

impl Words {
    /// `pattern` with each `{name}` replaced by its value.
    pub fn fill(pattern: &str, values: &[(&str, &str)]) -> String {
        let mut out = String::with_capacity(pattern.len() + 32);
        let mut rest = pattern;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            match after.find('}').and_then(|close| {
                let name = &after[..close];
                values
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| (close, *v))
            }) {
                Some((close, v)) => {
                    out.push_str(v);
                    rest = &after[close + 1..];
                }
                None => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }

    pub fn incident_status(&self, s: IncidentStatus) -> &'static str {
        self.incident[match s {
            IncidentStatus::Investigating => 0,
            IncidentStatus::Identified => 1,
            IncidentStatus::Monitoring => 2,
            IncidentStatus::Resolved => 3,
        }]
    }

    pub fn maintenance_status(&self, s: MaintenanceStatus) -> &'static str {
        self.maintenance[match s {
            MaintenanceStatus::Scheduled => 0,
            MaintenanceStatus::InProgress => 1,
            MaintenanceStatus::Verifying => 2,
            MaintenanceStatus::Completed => 3,
        }]
    }

    pub fn notice_kind(&self, k: NoticeKind) -> &'static str {
        self.notice[match k {
            NoticeKind::ServiceUpdate => 0,
            NoticeKind::PolicyChange => 1,
            NoticeKind::PricingChange => 2,
            NoticeKind::Other => 3,
        }]
    }

    pub fn component_status(&self, s: ComponentStatus) -> &'static str {
        self.component[match s {
            ComponentStatus::Operational => 0,
            ComponentStatus::UnderMaintenance => 1,
            ComponentStatus::DegradedPerformance => 2,
            ComponentStatus::PartialOutage => 3,
            ComponentStatus::MajorOutage => 4,
        }]
    }

    /// "90 minutes", "2 hours", "1 day".
    pub fn duration(&self, minutes: u32) -> String {
        let (unit, n) = match minutes {
            m if m >= 1440 && m % 1440 == 0 => (self.days, m / 1440),
            m if m >= 60 && m % 60 == 0 => (self.hours, m / 60),
            m => (self.minutes, m),
        };
        let pattern = if n == 1 { unit.0 } else { unit.1 };
        Self::fill(pattern, &[("n", &n.to_string())])
    }

    /// "API is now: partial outage."
    pub fn component_now(&self, component: &str, s: ComponentStatus) -> String {
        let status = self.component_status(s);
        let status = if self.lowercase_status {
            status.to_lowercase()
        } else {
            status.to_owned()
        };
        Self::fill(
            self.is_now,
            &[("component", component), ("status", &status)],
        )
    }
}

pub static EN: Words = Words {
    tag: "en",
    incident: ["Investigating", "Identified", "Monitoring", "Resolved"],
    postmortem: "Postmortem",
    maintenance: ["Scheduled", "In progress", "Verifying", "Completed"],
    notice: [
        "Service update",
        "Policy change",
        "Pricing change",
        "Notice",
    ],
    component: [
        "Operational",
        "Under maintenance",
        "Degraded performance",
        "Partial outage",
        "Major outage",
    ],
    affected: "Affected: {list}",
    window: "Window: {from} to {until}",
    takes_effect: "Takes effect: {at}",
    next_update: "Next update by {at}",
    view: "View on the status page",
    status_page: "Status page",
    confirm_read_text: "Please confirm you have read this: {url}",
    confirm_read: "Confirm you have read this",
    choose: "Choose what you hear about",
    unsubscribe: "Unsubscribe",
    stop: "Stop",
    is_now: "{component} is now: {status}.",
    lowercase_status: true,
    reminder: "Reminder: starts in {duration}",
    minutes: ("1 minute", "{n} minutes"),
    hours: ("1 hour", "{n} hours"),
    days: ("1 day", "{n} days"),
    confirm_subject: "Confirm your subscription to {page} status updates",
    confirm_asked: "Someone (hopefully you) asked to receive status updates from {page}.",
    confirm_link: "Confirm your subscription",
    confirm: "Confirm",
    confirm_ignore: "If it was not you, ignore this message; nothing more will be sent.",
    confirm_sms:
        "{page}: confirm your status updates by SMS: {url} (ignore this if it was not you)",
    channel_confirmed: "This channel will now receive status updates from {page}.",
};

pub static DE: Words = Words {
    tag: "de",
    incident: [
        "Wird untersucht",
        "Ursache gefunden",
        "Wird beobachtet",
        "Behoben",
    ],
    postmortem: "Nachbetrachtung",
    maintenance: ["Geplant", "Läuft", "Wird geprüft", "Abgeschlossen"],
    notice: [
        "Änderung am Dienst",
        "Richtlinienänderung",
        "Preisänderung",
        "Mitteilung",
    ],
    component: [
        "Betriebsbereit",
        "In Wartung",
        "Eingeschränkte Leistung",
        "Teilweiser Ausfall",
        "Schwerer Ausfall",
    ],
    affected: "Betroffen: {list}",
    window: "Zeitraum: {from} bis {until}",
    takes_effect: "Gültig ab: {at}",
    next_update: "Nächstes Update bis {at}",
    view: "Auf der Statusseite ansehen",
    status_page: "Statusseite",
    confirm_read_text: "Bitte bestätigen Sie, dass Sie dies gelesen haben: {url}",
    confirm_read: "Bestätigen, dass Sie dies gelesen haben",
    choose: "Wählen Sie, worüber Sie informiert werden",
    unsubscribe: "Abbestellen",
    stop: "Abmelden",
    is_now: "{component}: {status}.",
    lowercase_status: false,
    reminder: "Erinnerung: beginnt in {duration}",
    minutes: ("1 Minute", "{n} Minuten"),
    hours: ("1 Stunde", "{n} Stunden"),
    days: ("1 Tag", "{n} Tagen"),
    confirm_subject: "Bestätigen Sie Ihr Abonnement der Statusmeldungen von {page}",
    confirm_asked: "Jemand (hoffentlich Sie) möchte Statusmeldungen von {page} erhalten.",
    confirm_link: "Abonnement bestätigen",
    confirm: "Bestätigen",
    confirm_ignore:
        "Falls Sie das nicht waren, ignorieren Sie diese Nachricht; es wird nichts weiter gesendet.",
    confirm_sms: "{page}: Bestätigen Sie Ihre Statusmeldungen per SMS: {url} (ignorieren, falls Sie das nicht waren)",
    channel_confirmed: "Dieser Kanal erhält ab jetzt Statusmeldungen von {page}.",
};

pub static FR: Words = Words {
    tag: "fr",
    incident: [
        "Analyse en cours",
        "Cause identifiée",
        "Surveillance",
        "Résolu",
    ],
    postmortem: "Post-mortem",
    maintenance: ["Planifiée", "En cours", "Vérification", "Terminée"],
    notice: [
        "Évolution du service",
        "Changement de politique",
        "Changement de tarif",
        "Annonce",
    ],
    component: [
        "Opérationnel",
        "En maintenance",
        "Performances dégradées",
        "Panne partielle",
        "Panne majeure",
    ],
    affected: "Concerné : {list}",
    window: "Créneau : du {from} au {until}",
    takes_effect: "Entre en vigueur : {at}",
    next_update: "Prochaine mise à jour avant {at}",
    view: "Voir sur la page d’état",
    status_page: "Page d’état",
    confirm_read_text: "Merci de confirmer que vous avez lu ce message : {url}",
    confirm_read: "Confirmer la lecture",
    choose: "Choisir ce dont vous êtes informé",
    unsubscribe: "Se désabonner",
    stop: "Stop",
    is_now: "{component} : {status}.",
    lowercase_status: true,
    reminder: "Rappel : commence dans {duration}",
    minutes: ("1 minute", "{n} minutes"),
    hours: ("1 heure", "{n} heures"),
    days: ("1 jour", "{n} jours"),
    confirm_subject: "Confirmez votre abonnement aux mises à jour d’état de {page}",
    confirm_asked: "Quelqu’un (vous, espérons-le) a demandé à recevoir les mises à jour d’état de {page}.",
    confirm_link: "Confirmer l’abonnement",
    confirm: "Confirmer",
    confirm_ignore: "Si ce n’était pas vous, ignorez ce message ; rien d’autre ne sera envoyé.",
    confirm_sms: "{page} : confirmez vos mises à jour d’état par SMS : {url} (ignorez ce message si ce n’était pas vous)",
    channel_confirmed: "Ce canal recevra désormais les mises à jour d’état de {page}.",
};

pub static ES: Words = Words {
    tag: "es",
    incident: ["Investigando", "Identificado", "En observación", "Resuelto"],
    postmortem: "Análisis posterior",
    maintenance: ["Programado", "En curso", "Verificando", "Completado"],
    notice: [
        "Cambio en el servicio",
        "Cambio de política",
        "Cambio de precios",
        "Aviso",
    ],
    component: [
        "Operativo",
        "En mantenimiento",
        "Rendimiento degradado",
        "Interrupción parcial",
        "Interrupción grave",
    ],
    affected: "Afectado: {list}",
    window: "Ventana: del {from} al {until}",
    takes_effect: "Entra en vigor: {at}",
    next_update: "Próxima actualización antes de {at}",
    view: "Ver en la página de estado",
    status_page: "Página de estado",
    confirm_read_text: "Confirma que has leído este mensaje: {url}",
    confirm_read: "Confirmar que lo he leído",
    choose: "Elige sobre qué quieres recibir avisos",
    unsubscribe: "Cancelar la suscripción",
    stop: "Baja",
    is_now: "{component}: {status}.",
    lowercase_status: true,
    reminder: "Recordatorio: empieza en {duration}",
    minutes: ("1 minuto", "{n} minutos"),
    hours: ("1 hora", "{n} horas"),
    days: ("1 día", "{n} días"),
    confirm_subject: "Confirma tu suscripción a las actualizaciones de estado de {page}",
    confirm_asked:
        "Alguien (esperamos que tú) ha pedido recibir actualizaciones de estado de {page}.",
    confirm_link: "Confirmar la suscripción",
    confirm: "Confirmar",
    confirm_ignore: "Si no fuiste tú, ignora este mensaje; no se enviará nada más.",
    confirm_sms:
        "{page}: confirma tus actualizaciones de estado por SMS: {url} (ignóralo si no fuiste tú)",
    channel_confirmed:
        "Este canal recibirá a partir de ahora las actualizaciones de estado de {page}.",
};

pub static PT: Words = Words {
    tag: "pt",
    incident: ["Investigando", "Identificado", "Monitorando", "Resolvido"],
    postmortem: "Análise pós-incidente",
    maintenance: ["Agendada", "Em andamento", "Verificando", "Concluída"],
    notice: [
        "Mudança no serviço",
        "Mudança de política",
        "Mudança de preços",
        "Aviso",
    ],
    component: [
        "Operacional",
        "Em manutenção",
        "Desempenho degradado",
        "Interrupção parcial",
        "Interrupção grave",
    ],
    affected: "Afetados: {list}",
    window: "Janela: de {from} a {until}",
    takes_effect: "Entra em vigor: {at}",
    next_update: "Próxima atualização até {at}",
    view: "Ver na página de status",
    status_page: "Página de status",
    confirm_read_text: "Confirme que você leu esta mensagem: {url}",
    confirm_read: "Confirmar leitura",
    choose: "Escolha sobre o que quer ser avisado",
    unsubscribe: "Cancelar assinatura",
    stop: "Sair",
    is_now: "{component}: {status}.",
    lowercase_status: true,
    reminder: "Lembrete: começa em {duration}",
    minutes: ("1 minuto", "{n} minutos"),
    hours: ("1 hora", "{n} horas"),
    days: ("1 dia", "{n} dias"),
    confirm_subject: "Confirme sua assinatura das atualizações de status de {page}",
    confirm_asked:
        "Alguém (esperamos que você) pediu para receber atualizações de status de {page}.",
    confirm_link: "Confirmar assinatura",
    confirm: "Confirmar",
    confirm_ignore: "Se não foi você, ignore esta mensagem; nada mais será enviado.",
    confirm_sms:
        "{page}: confirme suas atualizações de status por SMS: {url} (ignore se não foi você)",
    channel_confirmed: "Este canal passará a receber as atualizações de status de {page}.",
};

pub static AR: Words = Words {
    tag: "ar",
    incident: ["قيد التحقيق", "تم تحديد السبب", "قيد المراقبة", "تم الحل"],
    postmortem: "تقرير ما بعد الحادث",
    maintenance: ["مجدولة", "جارية", "قيد التحقق", "مكتملة"],
    notice: [
        "تحديث للخدمة",
        "تغيير في السياسة",
        "تغيير في الأسعار",
        "إشعار",
    ],
    component: [
        "يعمل",
        "قيد الصيانة",
        "أداء منخفض",
        "انقطاع جزئي",
        "انقطاع كبير",
    ],
    affected: "المكونات المتأثرة: {list}",
    window: "الفترة: من {from} إلى {until}",
    takes_effect: "يسري من: {at}",
    next_update: "التحديث التالي قبل {at}",
    view: "عرض على صفحة الحالة",
    status_page: "صفحة الحالة",
    confirm_read_text: "يرجى تأكيد قراءتك لهذه الرسالة: {url}",
    confirm_read: "تأكيد القراءة",
    choose: "اختر ما تريد أن تُبلَّغ عنه",
    unsubscribe: "إلغاء الاشتراك",
    stop: "إيقاف",
    is_now: "{component}: {status}.",
    lowercase_status: false,
    reminder: "تذكير: تبدأ خلال {duration}",
    minutes: ("دقيقة واحدة", "{n} دقيقة"),
    hours: ("ساعة واحدة", "{n} ساعة"),
    days: ("يوم واحد", "{n} يوم"),
    confirm_subject: "أكّد اشتراكك في تحديثات حالة {page}",
    confirm_asked: "طلب شخص ما (نأمل أن تكون أنت) تلقي تحديثات الحالة من {page}.",
    confirm_link: "تأكيد الاشتراك",
    confirm: "تأكيد",
    confirm_ignore: "إذا لم تكن أنت، فتجاهل هذه الرسالة؛ لن يُرسل شيء آخر.",
    confirm_sms:
        "{page}: أكّد تلقي تحديثات الحالة عبر الرسائل النصية: {url} (تجاهلها إن لم تكن أنت)",
    channel_confirmed: "ستتلقى هذه القناة من الآن تحديثات الحالة من {page}.",
};

pub static JA: Words = Words {
    tag: "ja",
    incident: ["調査中", "原因特定", "経過観察中", "解決済み"],
    postmortem: "事後報告",
    maintenance: ["予定", "実施中", "確認中", "完了"],
    notice: [
        "サービスの変更",
        "ポリシーの変更",
        "料金の変更",
        "お知らせ",
    ],
    component: [
        "正常",
        "メンテナンス中",
        "パフォーマンス低下",
        "一部停止",
        "重大な停止",
    ],
    affected: "影響範囲: {list}",
    window: "期間: {from} 〜 {until}",
    takes_effect: "適用開始: {at}",
    next_update: "次回の更新予定: {at}",
    view: "ステータスページで見る",
    status_page: "ステータスページ",
    confirm_read_text: "このメッセージを読んだことを確認してください: {url}",
    confirm_read: "既読を確認する",
    choose: "通知の対象を選ぶ",
    unsubscribe: "配信停止",
    stop: "停止",
    is_now: "{component}: {status}。",
    lowercase_status: false,
    reminder: "リマインダー: {duration}後に開始",
    minutes: ("1分", "{n}分"),
    hours: ("1時間", "{n}時間"),
    days: ("1日", "{n}日"),
    confirm_subject: "{page}のステータス更新の購読を確認してください",
    confirm_asked: "{page}のステータス更新の受信が申し込まれました（ご本人であることを願っています）。",
    confirm_link: "購読を確認する",
    confirm: "確認",
    confirm_ignore: "お心当たりがない場合は、このメッセージを無視してください。これ以上何も送信されません。",
    confirm_sms: "{page}: SMSでのステータス更新を確認してください: {url}（お心当たりがない場合は無視してください）",
    channel_confirmed: "このチャンネルは今後{page}のステータス更新を受け取ります。",
};
