"""Dashboard labels in English and Arabic; Arabic pages render right-to-left."""

from __future__ import annotations

from collections.abc import Callable

LANGUAGES = ("en", "ar")

LABELS: dict[str, dict[str, str]] = {
    "app_name": {"en": "Salla Price Optimizer", "ar": "محسّن أسعار سلة"},
    "overview": {"en": "Overview", "ar": "نظرة عامة"},
    "approvals": {"en": "Pending approvals", "ar": "بانتظار الموافقة"},
    "decisions": {"en": "Decision history", "ar": "سجل القرارات"},
    "activity": {"en": "Activity log", "ar": "سجل النشاط"},
    "settings": {"en": "Settings", "ar": "الإعدادات"},
    "costs": {"en": "Costs", "ar": "التكاليف"},
    "rules": {"en": "Pricing rules", "ar": "قواعد التسعير"},
    "unpriceable": {"en": "Not priced automatically", "ar": "منتجات لا تُسعَّر تلقائيًا"},
    "preview": {"en": "Preview", "ar": "معاينة"},
    "apply": {"en": "Apply", "ar": "تطبيق"},
    "download_csv": {"en": "Download CSV", "ar": "تنزيل CSV"},
    "operator": {"en": "Operator", "ar": "المشغّل"},
    "logout": {"en": "Log out", "ar": "تسجيل الخروج"},
    "store": {"en": "Store", "ar": "المتجر"},
    "token_health": {"en": "Token health", "ar": "صحة الرمز"},
    "automation_mode": {"en": "Automation mode", "ar": "وضع الأتمتة"},
    "last_runs": {"en": "Last runs", "ar": "آخر عمليات التشغيل"},
    "run_now": {"en": "Run now", "ar": "شغّل الآن"},
    "product": {"en": "Product", "ar": "المنتج"},
    "old_price": {"en": "Old price", "ar": "السعر القديم"},
    "new_price": {"en": "New price", "ar": "السعر الجديد"},
    "change": {"en": "Change", "ar": "التغيير"},
    "margin_after": {"en": "Margin after", "ar": "الهامش بعد التغيير"},
    "risk": {"en": "Risk", "ar": "المخاطرة"},
    "explanation": {"en": "Why", "ar": "السبب"},
    "approve": {"en": "Approve", "ar": "موافقة"},
    "reject": {"en": "Reject", "ar": "رفض"},
    "approve_selected": {"en": "Approve selected", "ar": "الموافقة على المحدد"},
    "reject_selected": {"en": "Reject selected", "ar": "رفض المحدد"},
    "status": {"en": "Status", "ar": "الحالة"},
    "when": {"en": "When", "ar": "الوقت"},
    "type": {"en": "Type", "ar": "النوع"},
    "description": {"en": "Description", "ar": "الوصف"},
    "all_types": {"en": "All types", "ar": "كل الأنواع"},
    "filter": {"en": "Filter", "ar": "تصفية"},
    "save": {"en": "Save", "ar": "حفظ"},
    "price_history": {"en": "Price history", "ar": "سجل الأسعار"},
    "no_pending": {"en": "Nothing waits for your approval.", "ar": "لا توجد تغييرات بانتظار موافقتك."},
    "install_sandbox": {"en": "Install on a sandbox store", "ar": "التثبيت على متجر تجريبي"},
    "install": {"en": "Install on your Salla store", "ar": "التثبيت على متجرك في سلة"},
    "operator_login": {"en": "Operator login", "ar": "دخول المشغّل"},
    "admin_token": {"en": "Admin API token", "ar": "رمز واجهة الإدارة"},
    "log_in": {"en": "Log in", "ar": "دخول"},
    "runs": {"en": "Runs", "ar": "عمليات التشغيل"},
    "analyzed": {"en": "Analyzed", "ar": "تم تحليلها"},
    "updated": {"en": "Updated", "ar": "تم تحديثها"},
    "queued": {"en": "Queued", "ar": "بانتظار الموافقة"},
    "skipped": {"en": "Skipped", "ar": "تم تخطيها"},
    "pending_count": {"en": "Pending", "ar": "معلّقة"},
    "active": {"en": "Active", "ar": "نشط"},
    "inactive": {"en": "Inactive", "ar": "غير نشط"},
    "token_summary": {"en": "Token summary", "ar": "ملخص الرموز"},
    "system_actions": {"en": "Recent system actions", "ar": "أحدث إجراءات النظام"},
    "failed_runs": {"en": "Failed runs", "ar": "عمليات فاشلة"},
    "queue_depth": {"en": "Queue depth", "ar": "طول قائمة الانتظار"},
    "stores": {"en": "Stores", "ar": "المتاجر"},
    "saved": {"en": "Settings saved.", "ar": "تم حفظ الإعدادات."},
    "settings_superseded": {
        "en": "Pending approvals made under the old settings were withdrawn; fresh ones are being prepared.",
        "ar": "سُحبت الموافقات المعلّقة المبنية على الإعدادات السابقة؛ يجري إعداد اقتراحات جديدة.",
    },
    "run_enqueued": {"en": "A run was queued; refresh in a moment.", "ar": "تمت جدولة التشغيل؛ حدّث الصفحة بعد قليل."},
    "language": {"en": "العربية", "ar": "English"},
    "app_installed": {"en": "The app is installed", "ar": "تم تثبيت التطبيق"},
    "app_installed_on": {"en": "Salla Price Optimizer is installed on", "ar": "تم تثبيت محسّن أسعار سلة على"},
    "app_installed_sign_in": {
        "en": "To see its dashboard, sign in through Salla: you come straight back if you are logged in there.",
        "ar": "لعرض لوحة التحكم سجّل الدخول عبر سلة؛ ستعود مباشرة إن كنت مسجّلًا هناك.",
    },
    "open_dashboard": {"en": "Open the dashboard", "ar": "افتح لوحة التحكم"},
    "store_events": {"en": "Store events", "ar": "أحداث المتجر"},
}


def translator(lang: str) -> Callable[[str], str]:
    """A ``t(key)`` function for ``lang``; unknown keys fall back to English, then to the key."""
    code = lang if lang in LANGUAGES else "en"

    def t(key: str) -> str:
        entry = LABELS.get(key)
        if entry is None:
            return key
        return entry.get(code) or entry["en"]

    return t


__all__ = ["LABELS", "LANGUAGES", "translator"]
