"""The words of the frame every page shares and of the pages outside a store: navigation, landing, sign-in, operator."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    # The frame: the app's name, the navigation, the language switch
    "app_name": {"en": "Salla Price Optimizer", "ar": "محسّن أسعار سلة"},
    "overview": {"en": "Overview", "ar": "نظرة عامة"},
    "approvals": {"en": "Pending approvals", "ar": "بانتظار الموافقة"},
    "decisions": {"en": "Decision history", "ar": "سجل القرارات"},
    "activity": {"en": "Activity log", "ar": "سجل النشاط"},
    "settings": {"en": "Settings", "ar": "الإعدادات"},
    "costs": {"en": "Costs", "ar": "التكاليف"},
    "rules": {"en": "Pricing rules", "ar": "قواعد التسعير"},
    "unpriceable": {"en": "Not priced automatically", "ar": "منتجات لا تُسعَّر تلقائيًا"},
    "catalog": {"en": "Catalog", "ar": "المنتجات"},
    "operator": {"en": "Operator", "ar": "المشغّل"},
    "logout": {"en": "Log out", "ar": "تسجيل الخروج"},
    "language": {"en": "العربية", "ar": "English"},
    "times_note": {"en": "Times are in Riyadh time.", "ar": "الأوقات بتوقيت الرياض."},
    # Landing and install
    "install_sandbox": {"en": "Install on a sandbox store", "ar": "التثبيت على متجر تجريبي"},
    "install": {"en": "Install on your Salla store", "ar": "التثبيت على متجرك في سلة"},
    "landing_pitch": {
        "en": "Prices your Salla catalog against the market under hard margin and risk guards: safe changes are "
              "applied on a schedule, the rest wait for your approval, and every step is explained and logged.",
        "ar": "يسعّر منتجات متجرك في سلة مقارنةً بالسوق ضمن حدود صارمة للهامش والمخاطرة: تُطبَّق التغييرات الآمنة "
              "تلقائيًا حسب الجدول، وينتظر الباقي موافقتك، وكل خطوة مشروحة ومسجّلة.",
    },
    "sandbox_note": {"en": "— a built-in Salla sandbox with demo stores; no Salla account needed.",
                     "ar": "— بيئة تجريبية مدمجة لسلة بمتاجر تجريبية؛ لا حاجة إلى حساب في سلة."},
    "app_installed": {"en": "The app is installed", "ar": "تم تثبيت التطبيق"},
    "app_installed_on": {"en": "Salla Price Optimizer is installed on", "ar": "تم تثبيت محسّن أسعار سلة على"},
    "app_installed_sign_in": {
        "en": "To see its dashboard, sign in through Salla: you come straight back if you are logged in there.",
        "ar": "لعرض لوحة التحكم سجّل الدخول عبر سلة؛ ستعود مباشرة إن كنت مسجّلًا هناك.",
    },
    "open_dashboard": {"en": "Open the dashboard", "ar": "افتح لوحة التحكم"},
    # Sign-in
    "sign_in": {"en": "Sign in", "ar": "تسجيل الدخول"},
    "sign_in_title": {"en": "Please sign in", "ar": "يرجى تسجيل الدخول"},
    "sign_in_text": {
        "en": "Your session has ended or expired. Sign in through Salla to see your store's dashboard: "
              "you come straight back if you are logged in there.",
        "ar": "انتهت جلستك أو انتهت صلاحيتها. سجّل الدخول عبر سلة لعرض لوحة تحكم متجرك؛ ستعود مباشرة إن كنت مسجّلًا هناك.",
    },
    "sign_in_salla": {"en": "Sign in through Salla", "ar": "تسجيل الدخول عبر سلة"},
    # The operator view
    "operator_login": {"en": "Operator login", "ar": "دخول المشغّل"},
    "admin_token": {"en": "Admin API token", "ar": "رمز واجهة الإدارة"},
    "log_in": {"en": "Log in", "ar": "دخول"},
    "token_summary": {"en": "Token summary", "ar": "ملخص الرموز"},
    "system_actions": {"en": "Recent system actions", "ar": "أحدث إجراءات النظام"},
    "failed_runs": {"en": "Failed runs", "ar": "عمليات فاشلة"},
    "queue_depth": {"en": "Queue depth", "ar": "طول قائمة الانتظار"},
    # Operator: queued work (entrypoints/web/work_view.py)
    "queued_work": {"en": "Queued work", "ar": "الأعمال في قائمة الانتظار"},
    "queue": {"en": "Queue", "ar": "القائمة"},
    "work.queued": {"en": "Waiting", "ar": "في الانتظار"},
    "work.in_flight": {"en": "With a worker", "ar": "قيد التنفيذ"},
    "work.retrying": {"en": "Waiting to retry", "ar": "بانتظار إعادة المحاولة"},
    "work.dead": {"en": "Dead-lettered", "ar": "متوقفة نهائيًا"},
    "work.unknown": {"en": "The queue cannot tell (or does not answer).",
                     "ar": "لا تتوفر أرقام القائمة (أو لا تستجيب)."},
    "recorded_work": {"en": "Recorded work", "ar": "الأعمال المسجلة"},
    "intent.queued": {"en": "Not done yet", "ar": "لم تُنجز بعد"},
    "intent.lost": {"en": "Lost, to be sent again", "ar": "مفقودة، ستُرسل مجددًا"},
    "intent.dead": {"en": "Given up", "ar": "متروكة"},
    "recovery_24h": {"en": "Recovery, last 24 hours", "ar": "الاستعادة، آخر 24 ساعة"},
    "last_pass": {"en": "Latest pass that acted", "ar": "آخر جولة نفّذت شيئًا"},
    "recovery.applied": {"en": "Found applied in Salla", "ar": "وُجدت مطبقة في سلة"},
    "recovery.returned_to_pending": {"en": "Returned for approval", "ar": "أُعيدت للموافقة"},
    "recovery.failed": {"en": "Failed", "ar": "فشلت"},
    "recovery.reenqueued": {"en": "Approvals sent again", "ar": "موافقات أُرسلت مجددًا"},
    "recovery.runs_resumed": {"en": "Runs resumed", "ar": "تشغيلات استُؤنفت"},
    "recovery.runs_closed": {"en": "Runs closed", "ar": "تشغيلات أُغلقت"},
    "recovery.work_resent": {"en": "Lost tasks sent again", "ar": "مهام مفقودة أُرسلت مجددًا"},
    "recovery.work_found_done": {"en": "Tasks found done", "ar": "مهام وُجدت منجزة"},
    "recovery.work_given_up": {"en": "Tasks given up", "ar": "مهام متروكة"},
    "stores": {"en": "Stores", "ar": "المتاجر"},
}

__all__ = ["LABELS"]
