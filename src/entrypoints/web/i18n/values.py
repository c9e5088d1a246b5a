"""The merchant's words for the values of a field (``label(lang, "status", "pending")``), keyed "group.value"."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    # Market position (catalog)
    "position.cheapest": {"en": "Cheapest", "ar": "الأرخص"},
    "position.matched": {"en": "Matched", "ar": "مطابق"},
    "position.above": {"en": "Above the market", "ar": "أعلى من السوق"},
    "position.no_data": {"en": "No competitor data", "ar": "لا توجد بيانات منافسين"},
    # Catalog filters
    "cost.yes": {"en": "Has a cost", "ar": "له تكلفة"},
    "cost.no": {"en": "No cost", "ar": "بلا تكلفة"},
    # Sort orders (catalog and approvals)
    "sort.price": {"en": "Price", "ar": "السعر"},
    "sort.margin": {"en": "Lowest margin", "ar": "أقل هامش"},
    "sort.position": {"en": "Position", "ar": "الموقع"},
    "sort.pending": {"en": "Waiting changes first", "ar": "المنتظرة أولًا"},
    "sort.impact": {"en": "Largest price move", "ar": "أكبر تغيير في السعر"},
    "sort.change": {"en": "Largest change (%)", "ar": "أكبر نسبة تغيير"},
    "sort.name": {"en": "Product name", "ar": "اسم المنتج"},
    "sort.newest": {"en": "Newest", "ar": "الأحدث"},
    # Size of change (approvals)
    "size.small": {"en": "Under 5%", "ar": "أقل من 5%"},
    "size.medium": {"en": "5% to 15%", "ar": "من 5% إلى 15%"},
    "size.large": {"en": "15% or more", "ar": "15% أو أكثر"},
    # Where a price change came from
    "source.merchant": {"en": "Approved by you", "ar": "بموافقتك"},
    "source.operator": {"en": "Approved by the operator", "ar": "بموافقة المشغّل"},
    "source.system": {"en": "Applied automatically", "ar": "طُبّق تلقائيًا"},
    "source.optimizer": {"en": "Price change by this app", "ar": "تغيير سعر بواسطة التطبيق"},
    "source.salla": {"en": "Seen in Salla", "ar": "رُصد في سلة"},
    "source.webhook": {"en": "Changed in Salla", "ar": "تغيّر في سلة"},
    "source.rollback": {"en": "Restored by a rollback", "ar": "أُعيد بالتراجع"},
    # Automation modes
    "mode.manual": {"en": "Manual", "ar": "يدوي"},
    "mode.semi-auto": {"en": "Semi-automatic", "ar": "شبه تلقائي"},
    "mode.full-auto": {"en": "Automatic", "ar": "تلقائي"},
    # Decision statuses
    "status.pending": {"en": "Waiting for approval", "ar": "بانتظار الموافقة"},
    "status.approved": {"en": "Approved", "ar": "تمت الموافقة"},
    "status.applying": {"en": "Being applied", "ar": "قيد التطبيق"},
    "status.applied": {"en": "Applied", "ar": "مطبّق"},
    "status.rejected": {"en": "Rejected", "ar": "مرفوض"},
    "status.failed": {"en": "Failed", "ar": "فشل"},
    "status.superseded": {"en": "Replaced by a newer suggestion", "ar": "استُبدل باقتراح أحدث"},
    "status.recorded": {"en": "No change (recorded)", "ar": "بلا تغيير (مسجّل)"},
    # Why a decision ended as it did (``DecisionRecord.error``, written by the core in English): the
    # fixed notes. The others (Salla's refusals, the re-check's findings, with their prices) are shown
    # as written, marked as English on an Arabic page.
    "note.settings changed": {"en": "the settings changed", "ar": "تغيّرت الإعدادات"},
    "note.not accepted by Salla": {"en": "not accepted by Salla", "ar": "لم تقبله سلة"},
    # Salla's product statuses (``status`` of the product JSON), as the explanations and notes quote them.
    "salla_status.sale": {"en": "sale", "ar": "معروض للبيع"},
    "salla_status.out": {"en": "out", "ar": "نفد من المخزون"},
    "salla_status.hidden": {"en": "hidden", "ar": "مخفي"},
    "salla_status.deleted": {"en": "deleted", "ar": "محذوف"},
    # Risk levels
    "risk.low": {"en": "Low", "ar": "منخفضة"},
    "risk.medium": {"en": "Medium", "ar": "متوسطة"},
    "risk.high": {"en": "High", "ar": "عالية"},
    # Actions
    "action.auto_apply": {"en": "Applied automatically", "ar": "يُطبَّق تلقائيًا"},
    "action.needs_approval": {"en": "Needs your approval", "ar": "يحتاج موافقتك"},
    "action.no_change": {"en": "No change", "ar": "بلا تغيير"},
    "action.skipped": {"en": "Skipped", "ar": "تم التخطي"},
    # Who decided
    "by.merchant": {"en": "by you", "ar": "بواسطتك"},
    "by.operator": {"en": "by the operator", "ar": "بواسطة المشغّل"},
    "by.system": {"en": "automatically", "ar": "تلقائيًا"},
    "by.optimizer": {"en": "automatically", "ar": "تلقائيًا"},
    # Runs
    "run_type.scheduled": {"en": "Scheduled", "ar": "مجدول"},
    "run_type.smart": {"en": "Scheduled", "ar": "مجدول"},
    "run_type.manual": {"en": "Run now", "ar": "تشغيل يدوي"},
    "run_type.event": {"en": "Store change", "ar": "تغيير في المتجر"},
    "run_status.running": {"en": "Running", "ar": "قيد التشغيل"},
    "run_status.completed": {"en": "Completed", "ar": "مكتمل"},
    "run_status.failed": {"en": "Failed", "ar": "فشل"},
    # Token health (the core's reasons)
    "token.Token valid": {"en": "Connected", "ar": "متصل"},
    "token.Token expires soon": {"en": "Connection expires soon", "ar": "الاتصال ينتهي قريبًا"},
    "token.Token expired": {"en": "Connection expired", "ar": "انتهى الاتصال"},
    "token.No token": {"en": "Not connected", "ar": "غير متصل"},
    # Activity types
    "activity.system_token_refresh": {"en": "Access renewed", "ar": "تجديد الصلاحية"},
    "activity.system_token_refresh_batch": {"en": "Access renewal round", "ar": "جولة تجديد الصلاحيات"},
    "activity.system_store_deactivated": {"en": "Store deactivated", "ar": "إيقاف المتجر"},
    "activity.optimization_completed": {"en": "Run completed", "ar": "اكتمال التشغيل"},
    "activity.optimization_failed": {"en": "Run failed", "ar": "فشل التشغيل"},
    "activity.store_onboarded": {"en": "Store connected", "ar": "ربط المتجر"},
    "activity.store_uninstalled": {"en": "App uninstalled", "ar": "إزالة التطبيق"},
    "activity.tokens_authorized": {"en": "Access granted", "ar": "منح الصلاحية"},
    "activity.decision_approved": {"en": "Change approved", "ar": "موافقة على تغيير"},
    "activity.decision_rejected": {"en": "Change rejected", "ar": "رفض تغيير"},
    "activity.price_applied": {"en": "Price updated in Salla", "ar": "تحديث السعر في سلة"},
    "activity.price_apply_failed": {"en": "Price update failed", "ar": "فشل تحديث السعر"},
    "activity.settings_updated": {"en": "Settings changed", "ar": "تغيير الإعدادات"},
    "activity.system_token_refresh_failed": {"en": "Access renewal failed", "ar": "فشل تجديد الصلاحية"},
    "activity.system_cleanup": {"en": "Housekeeping", "ar": "تنظيف دوري"},
    "activity.system_keys_rotated": {"en": "Encryption keys rotated", "ar": "تدوير مفاتيح التشفير"},
    "activity.system_tokens_unverified": {"en": "Access not verified", "ar": "صلاحية غير متحقَّق منها"},
    "activity.store_events_subscribed": {"en": "Store updates connected", "ar": "ربط تحديثات المتجر"},
    "activity.store_events_subscription_failed": {"en": "Store updates not connected",
                                                  "ar": "تعذّر ربط تحديثات المتجر"},
    "activity.webhook_refused": {"en": "Store notification refused", "ar": "رفض إشعار من المتجر"},
    "activity.change_profit_fell": {"en": "Price change lost profit", "ar": "تغيير سعر خفّض الربح"},
    "activity.alert_sent": {"en": "Alert sent", "ar": "إرسال تنبيه"},
    "activity.alert_failed": {"en": "Alert not sent", "ar": "تعذّر إرسال تنبيه"},
}

__all__ = ["LABELS"]
