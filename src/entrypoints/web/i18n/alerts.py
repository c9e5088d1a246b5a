"""The words of the settings page's notifications group: a store's own alert targets, language and kinds,
why a target is refused, and what the test alert did with each target."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "alerts_group": {"en": "Notifications", "ar": "التنبيهات"},
    "alert_targets": {"en": "Where your alerts go", "ar": "وجهات تنبيهاتك"},
    "alert_targets_help": {
        "en": "Saved encrypted and shown masked. Tick a target to remove it when you save.",
        "ar": "تُحفظ مشفّرة وتظهر مخفية. حدّد وجهة لإزالتها عند الحفظ.",
    },
    "alert_targets_none": {
        "en": "No target yet: add one below to hear of this store's alerts.",
        "ar": "لا توجد وجهة بعد: أضف واحدة أدناه لتصلك تنبيهات هذا المتجر.",
    },
    "alert_target_remove": {"en": "Remove", "ar": "إزالة"},
    "alert_targets_add": {"en": "Add targets", "ar": "إضافة وجهات"},
    "alert_targets_add_help": {
        "en": "One per line: mailto://user:password@example.com, tgram://bot-token/chat-id, "
              "slack://…, discord://…, whatsapp://…, msteams://…, or a webhook as jsons://example.com/path.",
        "ar": "وجهة في كل سطر: mailto://user:password@example.com أو tgram://bot-token/chat-id "
              "أو slack://… أو discord://… أو whatsapp://… أو msteams://… أو رابط ويب بصيغة jsons://example.com/path.",
    },
    "alert_language": {"en": "Language of the alerts", "ar": "لغة التنبيهات"},
    "alert_language_help": {"en": "The language your targets receive the messages in.",
                            "ar": "اللغة التي تصل بها الرسائل إلى وجهاتك."},
    # Not "العربية": that word is the language switcher's English-side label.
    "alert_language.ar": {"en": "Arabic", "ar": "عربي"},
    "alert_language.en": {"en": "English", "ar": "إنجليزي"},
    "alert_language.both": {"en": "Arabic and English", "ar": "عربي وإنجليزي"},
    "alert_kinds": {"en": "Alerts to receive", "ar": "التنبيهات التي تصلك"},
    "alert_kinds_help": {"en": "Untick what you do not want to hear of.",
                         "ar": "ألغِ تحديد ما لا تريد أن يصلك."},
    "alert_kind.approvals_waiting": {"en": "Price changes wait for your approval",
                                     "ar": "تغييرات أسعار بانتظار موافقتك"},
    "alert_kind.profit_fell": {"en": "A price change lost profit", "ar": "تغيير سعر خفّض الربح"},
    "alert_kind.token_revoked": {"en": "Access to your store lost", "ar": "فقدان صلاحية الوصول إلى متجرك"},
    "alert_kind.token_expiring": {"en": "Access to your store about to lapse",
                                  "ar": "صلاحية الوصول إلى متجرك على وشك الانتهاء"},
    "alert_kind.run_failed": {"en": "A pricing run failed", "ar": "فشل تشغيل للتسعير"},
    "alert_kind.run_partially_applied": {"en": "Price changes not in Salla yet",
                                         "ar": "تغييرات أسعار لم تصل إلى سلة بعد"},
    "alert_kind.writes_refused": {"en": "Salla refused price changes", "ar": "رفضت سلة تغييرات أسعار"},
    "alert_kind.below_floor": {"en": "Competitors below your margin floor",
                               "ar": "منافسون بأقل من الحد الأدنى لهامشك"},
    # Why a target is refused ({target} is masked).
    "alert_refused.invalid": {"en": "{target}: not an address the alerts can be sent to.",
                              "ar": "{target}: ليس عنوانًا يمكن إرسال التنبيهات إليه."},
    "alert_refused.scheme": {
        "en": "{target}: this kind of target is not allowed; use e-mail, Telegram, Slack, Discord, WhatsApp, "
              "Microsoft Teams or a webhook (json:// or jsons://).",
        "ar": "{target}: هذا النوع من الوجهات غير مسموح؛ استخدم البريد أو تيليجرام أو Slack أو Discord أو واتساب "
              "أو Microsoft Teams أو رابط ويب (json:// أو jsons://).",
    },
    "alert_refused.internal": {
        "en": "{target}: points to an internal or private network address, which is not allowed.",
        "ar": "{target}: يشير إلى عنوان شبكة داخلية أو خاصة، وهذا غير مسموح.",
    },
    "alert_refused.unresolved": {"en": "{target}: its host name cannot be found.",
                                 "ar": "{target}: تعذّر العثور على اسم المضيف."},
    "alert_refused.too_long": {"en": "{target}: too long.", "ar": "{target}: طويل جدًا."},
    "alert_refused.too_many": {"en": "At most {max} targets per store.", "ar": "الحد الأقصى {max} وجهات لكل متجر."},
    # The test alert, target by target.
    "test_alert_outcomes": {"en": "Test alert: {detail}", "ar": "التنبيه التجريبي: {detail}"},
    "alert_outcome.sent": {"en": "{target}: sent", "ar": "{target}: أُرسل"},
    "alert_outcome.failed": {"en": "{target}: failed ({error})", "ar": "{target}: فشل ({error})"},
}

__all__ = ["LABELS"]
