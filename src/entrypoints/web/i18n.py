"""Dashboard labels in English and Arabic; Arabic pages render right-to-left."""

from __future__ import annotations

from collections.abc import Callable

from entrypoints.web.rollback_text import ROLLBACK_LABELS

LANGUAGES = ("en", "ar")

LABELS: dict[str, dict[str, str]] = {
    "rules_intro": {
        "en": (
            "A rule prices a group of products with settings of its own; the matching rule with the highest "
            "priority wins, the rest of the store keeps its settings. Every decision names the rule that "
            "priced it."
        ),
        "ar": (
            "القاعدة تسعّر مجموعة من المنتجات بإعدادات خاصة بها؛ تفوز القاعدة المطابقة الأعلى أولوية، وتبقى "
            "بقية منتجات المتجر على إعداداته. كل قرار يذكر القاعدة التي سعّرته."
        ),
    },
    "rules_count": {"en": "{n} rule(s)", "ar": "{n} قاعدة"},
    "priority": {"en": "Priority", "ar": "الأولوية"},
    "name": {"en": "Name", "ar": "الاسم"},
    "matches": {"en": "Matches", "ar": "تطابق"},
    "settings_col": {"en": "Settings", "ar": "الإعدادات"},
    "delete": {"en": "Delete", "ar": "حذف"},
    "preview_match": {"en": "Preview: {n} product(s) match", "ar": "معاينة: {n} منتجًا مطابقًا"},
    "without_rule": {"en": "Without the rule", "ar": "بدون القاعدة"},
    "with_rule": {"en": "With the rule", "ar": "مع القاعدة"},
    "only_first": {"en": "Only the first {n} shown.", "ar": "تُعرض أول {n} فقط."},
    "new_rule": {"en": "New rule", "ar": "قاعدة جديدة"},
    "categories": {"en": "Categories", "ar": "التصنيفات"},
    "brands": {"en": "Brands", "ar": "العلامات التجارية"},
    "tags_csv": {"en": "Tags (comma separated)", "ar": "الوسوم (مفصولة بفواصل)"},
    "skus_csv": {"en": "SKUs (comma separated)", "ar": "رموز المنتجات (مفصولة بفواصل)"},
    "price_from": {"en": "Today's price from", "ar": "السعر الحالي من"},
    "price_to": {"en": "Today's price up to", "ar": "السعر الحالي حتى"},
    "group_settings": {
        "en": "Settings of the group (empty: the store's)",
        "ar": "إعدادات المجموعة (الفارغ: إعدادات المتجر)",
    },
    "costs_intro": {
        "en": (
            "A CSV with a sku or product_id column and any of cost_price, min_price, max_price, map_price, "
            "excluded, fixed_price (UTF-8, ; or , separated; Arabic digits are fine). Nothing changes until "
            "you apply, and a file with any rejected line changes nothing."
        ),
        "ar": (
            "ملف CSV فيه عمود sku أو product_id وأيٌّ من cost_price وmin_price وmax_price وmap_price "
            "وexcluded وfixed_price (UTF-8، بفاصل ; أو ،؛ الأرقام العربية مقبولة). لا يتغير شيء حتى تطبّق، "
            "والملف الذي فيه سطر مرفوض لا يغيّر شيئًا."
        ),
    },
    "applied_n": {"en": "Applied: {n} product(s) updated.", "ar": "طُبّق: حُدِّث {n} منتجًا."},
    "rejected_lines": {"en": "Rejected lines ({n})", "ar": "أسطر مرفوضة ({n})"},
    "line": {"en": "Line", "ar": "السطر"},
    "fix_and_upload": {
        "en": "Fix these lines and upload the file again; nothing was changed.",
        "ar": "صحّح هذه الأسطر وارفع الملف مرة أخرى؛ لم يتغير شيء.",
    },
    "changed_n": {"en": "Changed ({n})", "ar": "تغيّر ({n})"},
    "would_change_n": {"en": "Would change ({n})", "ar": "سيتغير ({n})"},
    "before": {"en": "Before", "ar": "قبل"},
    "after": {"en": "After", "ar": "بعد"},
    "unchanged_n": {"en": "{n} line(s) change nothing.", "ar": "{n} سطرًا لا يغيّر شيئًا."},
    "no_sweep_yet": {"en": "No sweep has run yet.", "ar": "لم يُشغَّل أي تسعير بعد."},
    "from_sweep": {"en": "From the sweep of {when}.", "ar": "من تشغيل {when}."},
    "on_sale_left": {
        "en": "Products Salla shows on sale are left alone and not listed here.",
        "ar": "المنتجات المعروضة بتخفيض في سلة تُترك كما هي ولا تظهر هنا.",
    },
    "what_you_can_do": {"en": "What you can do", "ar": "ما يمكنك فعله"},
    "all_priced": {"en": "Every product of that sweep could be priced.", "ar": "أمكن تسعير كل منتجات ذلك التشغيل."},
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
    "token_health": {"en": "Connection to Salla", "ar": "الاتصال بسلة"},
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
    "why_excluded": {"en": "excluded by you", "ar": "استبعدته أنت"},
    "why_no_cost": {"en": "no cost is known, so its price is never lowered automatically",
                    "ar": "لا تكلفة معروفة له، فلا يُخفَّض سعره تلقائيًا أبدًا"},
    "why_no_offer": {"en": "no usable competitor offer", "ar": "لا عرض منافس صالح للاستخدام"},
    "fix_excluded": {"en": "remove the exclusion (costs sheet or admin API) to have it priced again",
                     "ar": "أزل الاستبعاد (ملف التكاليف أو واجهة الإدارة) ليُسعَّر من جديد"},
    "fix_rule_conflict": {"en": "change the rule or the store settings so they agree",
                          "ar": "عدّل القاعدة أو إعدادات المتجر لتتوافقا"},
    "fix_status": {"en": "only products for sale (or out of stock) are priced",
                   "ar": "لا تُسعَّر إلا المنتجات المعروضة للبيع (أو النافدة من المخزون)"},
    "fix_cooldown": {"en": "nothing: it is priced again once the cooldown ends",
                     "ar": "لا شيء: يُسعَّر من جديد عند انتهاء فترة التهدئة"},
    "fix_check_salla": {"en": "check the product in Salla", "ar": "راجع المنتج في سلة"},
    "fix_no_cost": {"en": "enter its cost in Salla, or upload a cost sheet",
                    "ar": "أدخل تكلفته في سلة، أو ارفع ملف التكاليف"},
    "fix_no_offer": {"en": "add it to a competitor feed or watch its competitors' pages",
                     "ar": "أضفه إلى ملف أسعار المنافسين أو راقب صفحات منافسيه"},
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
    # Pages, flashes and messages
    "catalog": {"en": "Catalog", "ar": "المنتجات"},
    "all": {"en": "All", "ar": "الكل"},
    "advanced": {"en": "Advanced", "ar": "متقدّم"},
    "cost": {"en": "Cost", "ar": "التكلفة"},
    "price": {"en": "Price", "ar": "السعر"},
    "source": {"en": "Source", "ar": "المصدر"},
    "error": {"en": "Error", "ar": "خطأ"},
    "reason": {"en": "Reason", "ar": "السبب"},
    "applied_count": {"en": "applied", "ar": "مطبّقة"},
    "products_count": {"en": "products", "ar": "منتجات"},
    "no_runs": {"en": "No runs yet — the first sweep is on its way.",
                "ar": "لا توجد عمليات تشغيل بعد؛ أول فحص في الطريق."},
    "landing_pitch": {
        "en": "Prices your Salla catalog against the market under hard margin and risk guards: safe changes are "
              "applied on a schedule, the rest wait for your approval, and every step is explained and logged.",
        "ar": "يسعّر منتجات متجرك في سلة مقارنةً بالسوق ضمن حدود صارمة للهامش والمخاطرة: تُطبَّق التغييرات الآمنة "
              "تلقائيًا حسب الجدول، وينتظر الباقي موافقتك، وكل خطوة مشروحة ومسجّلة.",
    },
    "sandbox_note": {"en": "— a built-in Salla sandbox with demo stores; no Salla account needed.",
                     "ar": "— بيئة تجريبية مدمجة لسلة بمتاجر تجريبية؛ لا حاجة إلى حساب في سلة."},
    "decision_approved": {"en": "Decision approved.", "ar": "تمت الموافقة على التغيير."},
    "decision_rejected": {"en": "Decision rejected.", "ar": "تم رفض التغيير."},
    "decision_not_pending": {"en": "This change is no longer waiting for approval.",
                             "ar": "هذا التغيير لم يعد بانتظار الموافقة."},
    "select_one": {"en": "Select at least one change.", "ar": "اختر تغييرًا واحدًا على الأقل."},
    "bulk_approved": {"en": "{n} change(s) approved.", "ar": "تمت الموافقة على {n} من التغييرات."},
    "bulk_rejected": {"en": "{n} change(s) rejected.", "ar": "تم رفض {n} من التغييرات."},
    "bulk_skipped": {"en": "{n} skipped: no longer waiting for approval.",
                     "ar": "تم تخطي {n}: لم تعد بانتظار الموافقة."},
    "store_inactive": {"en": "This store is inactive, so no run can start.",
                       "ar": "هذا المتجر غير نشط، فلا يمكن بدء التشغيل."},
    "run_already_queued": {"en": "A run was queued moments ago; it is on its way.",
                           "ar": "تمت جدولة تشغيل قبل لحظات، وهو في الطريق."},
    "not_found": {"en": "Not found", "ar": "غير موجود"},
    "not_found_text": {"en": "There is no such page for this session.", "ar": "لا توجد هذه الصفحة لهذه الجلسة."},
    "form_expired": {"en": "Form expired", "ar": "انتهت صلاحية النموذج"},
    "form_expired_text": {"en": "The form's security token is missing or wrong; reload the page and try again.",
                          "ar": "رمز الأمان في النموذج مفقود أو غير صحيح؛ أعد تحميل الصفحة وحاول مرة أخرى."},
    "form_not_accepted": {"en": "Form not accepted", "ar": "لم يُقبل النموذج"},
    "unknown_action": {"en": "Unknown action", "ar": "إجراء غير معروف"},
    "choose_approve_reject": {"en": "Choose approve or reject.", "ar": "اختر الموافقة أو الرفض."},
    "sign_in": {"en": "Sign in", "ar": "تسجيل الدخول"},
    "sign_in_title": {"en": "Please sign in", "ar": "يرجى تسجيل الدخول"},
    "sign_in_text": {
        "en": "Your session has ended or expired. Sign in through Salla to see your store's dashboard: "
              "you come straight back if you are logged in there.",
        "ar": "انتهت جلستك أو انتهت صلاحيتها. سجّل الدخول عبر سلة لعرض لوحة تحكم متجرك؛ ستعود مباشرة إن كنت مسجّلًا هناك.",
    },
    "sign_in_salla": {"en": "Sign in through Salla", "ar": "تسجيل الدخول عبر سلة"},
    "fix_errors": {"en": "Some values need a fix; see the messages next to the fields.",
                   "ar": "بعض القيم تحتاج إلى تصحيح؛ راجع الرسائل بجانب الحقول."},
    "wrong_token": {"en": "Wrong token.", "ar": "الرمز غير صحيح."},
    "operator_disabled": {"en": "The operator view is disabled: set ADMIN_API_TOKEN.",
                          "ar": "واجهة المشغّل معطّلة: اضبط ADMIN_API_TOKEN."},
    "select_all": {"en": "Select all", "ar": "تحديد الكل"},
    "times_note": {"en": "Times are in Riyadh time.", "ar": "الأوقات بتوقيت الرياض."},
    "show_steps": {"en": "Show the steps", "ar": "اعرض الخطوات"},
    "market_position": {"en": "Price position against the market", "ar": "موقع السعر مقابل السوق"},
    "applied_7_days": {"en": "Changes applied in the last 7 days", "ar": "التغييرات المطبّقة في آخر 7 أيام"},
    "average_size": {"en": "average size", "ar": "متوسط الحجم"},
    "no_cost_products": {"en": "Products without a cost (never lowered automatically)",
                         "ar": "منتجات بلا تكلفة (لا تُخفَّض تلقائيًا)"},
    "next_run": {"en": "Next scheduled run", "ar": "التشغيل المجدول التالي"},
    "not_scheduled": {"en": "Not scheduled", "ar": "غير مجدول"},
    "product_id": {"en": "Product ID", "ar": "رقم المنتج"},
    "currency": {"en": "Currency", "ar": "العملة"},
    "margin": {"en": "Margin", "ar": "الهامش"},
    "lowest_competitor": {"en": "Lowest competitor", "ar": "أقل سعر منافس"},
    "competitor": {"en": "Competitor", "ar": "المنافس"},
    "position": {"en": "Position", "ar": "الموقع"},
    "last_change": {"en": "Last change", "ar": "آخر تغيير"},
    "pending_price": {"en": "Waiting for approval", "ar": "بانتظار الموافقة"},
    "search": {"en": "Search name or SKU", "ar": "ابحث بالاسم أو رمز المنتج"},
    "has_cost": {"en": "Cost", "ar": "التكلفة"},
    "cost.yes": {"en": "Has a cost", "ar": "له تكلفة"},
    "cost.no": {"en": "No cost", "ar": "بلا تكلفة"},
    "only_pending": {"en": "Only with a change waiting", "ar": "فقط ما لديه تغيير بانتظار الموافقة"},
    "export_csv": {"en": "Export CSV", "ar": "تصدير CSV"},
    "position.cheapest": {"en": "Cheapest", "ar": "الأرخص"},
    "position.matched": {"en": "Matched", "ar": "مطابق"},
    "position.above": {"en": "Above the market", "ar": "أعلى من السوق"},
    "position.no_data": {"en": "No competitor data", "ar": "لا توجد بيانات منافسين"},
    "sort.price": {"en": "Price", "ar": "السعر"},
    "sort.margin": {"en": "Lowest margin", "ar": "أقل هامش"},
    "sort.position": {"en": "Position", "ar": "الموقع"},
    "sort.pending": {"en": "Waiting changes first", "ar": "المنتظرة أولًا"},
    "source.merchant": {"en": "Approved by you", "ar": "بموافقتك"},
    "source.operator": {"en": "Approved by the operator", "ar": "بموافقة المشغّل"},
    "source.system": {"en": "Applied automatically", "ar": "طُبّق تلقائيًا"},
    "mode.manual": {"en": "Manual", "ar": "يدوي"},
    "mode.semi-auto": {"en": "Semi-automatic", "ar": "شبه تلقائي"},
    "mode.full-auto": {"en": "Automatic", "ar": "تلقائي"},
    "source.optimizer": {"en": "Price change by this app", "ar": "تغيير سعر بواسطة التطبيق"},
    "source.salla": {"en": "Seen in Salla", "ar": "رُصد في سلة"},
    "source.webhook": {"en": "Changed in Salla", "ar": "تغيّر في سلة"},
    "size_of_change": {"en": "Size of change", "ar": "حجم التغيير"},
    "size.small": {"en": "Under 5%", "ar": "أقل من 5%"},
    "size.medium": {"en": "5% to 15%", "ar": "من 5% إلى 15%"},
    "size.large": {"en": "15% or more", "ar": "15% أو أكثر"},
    "sort_by": {"en": "Sort by", "ar": "الترتيب حسب"},
    "sort.impact": {"en": "Largest price move", "ar": "أكبر تغيير في السعر"},
    "sort.change": {"en": "Largest change (%)", "ar": "أكبر نسبة تغيير"},
    "sort.name": {"en": "Product name", "ar": "اسم المنتج"},
    "sort.newest": {"en": "Newest", "ar": "الأحدث"},
    "scope_checked": {"en": "Checked rows", "ar": "الصفوف المحددة"},
    "scope_all": {"en": "All {n} matching the filter", "ar": "كل الـ {n} المطابقة للتصفية"},
    "select": {"en": "Select", "ar": "تحديد"},
    "pages": {"en": "Pages", "ar": "الصفحات"},
    "previous": {"en": "Previous", "ar": "السابق"},
    "next": {"en": "Next", "ar": "التالي"},
    "page_of": {"en": "Page {page} of {pages}", "ar": "الصفحة {page} من {pages}"},
    "confirm": {"en": "Confirm", "ar": "تأكيد"},
    "confirm_approve": {"en": "Approve {n} price changes?", "ar": "الموافقة على {n} من تغييرات الأسعار؟"},
    "confirm_reject": {"en": "Reject {n} price changes?", "ar": "رفض {n} من تغييرات الأسعار؟"},
    "confirm_approve_button": {"en": "Yes, approve {n}", "ar": "نعم، وافق على {n}"},
    "confirm_reject_button": {"en": "Yes, reject {n}", "ar": "نعم، ارفض {n}"},
    "confirm_all_note": {"en": "Every change waiting for approval that matches your filter, on every page.",
                         "ar": "كل تغيير بانتظار الموافقة يطابق التصفية، في جميع الصفحات."},
    "confirm_checked_note": {"en": "The rows you checked.", "ar": "الصفوف التي حددتها."},
    "cancel": {"en": "Cancel", "ar": "إلغاء"},
    # Decision statuses
    "status.pending": {"en": "Waiting for approval", "ar": "بانتظار الموافقة"},
    "status.approved": {"en": "Approved", "ar": "تمت الموافقة"},
    "status.applying": {"en": "Being applied", "ar": "قيد التطبيق"},
    "status.applied": {"en": "Applied", "ar": "مطبّق"},
    "status.rejected": {"en": "Rejected", "ar": "مرفوض"},
    "status.failed": {"en": "Failed", "ar": "فشل"},
    "status.superseded": {"en": "Replaced by a newer suggestion", "ar": "استُبدل باقتراح أحدث"},
    "status.recorded": {"en": "No change (recorded)", "ar": "بلا تغيير (مسجّل)"},
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
    "hours_short": {"en": "h", "ar": "ساعة"},
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
}

# The run page's and the rollback's words live in their own module.
LABELS.update(ROLLBACK_LABELS)


def translator(lang: str) -> Callable[[str], str]:
    """A ``t(key)`` function for ``lang``; unknown keys fall back to English, then to the key."""
    code = lang if lang in LANGUAGES else "en"

    def t(key: str) -> str:
        entry = LABELS.get(key)
        if entry is None:
            return key
        return entry.get(code) or entry["en"]

    return t


def label(lang: str, group: str, value: object) -> str:
    """The merchant's word for an enum value (``label("ar", "status", "pending")``); the raw value when unknown."""
    raw = str(getattr(value, "value", value))
    entry = LABELS.get(f"{group}.{raw}")
    if entry is None:
        return raw
    return entry.get(lang if lang in LANGUAGES else "en") or entry["en"]


__all__ = ["LABELS", "LANGUAGES", "label", "translator"]
