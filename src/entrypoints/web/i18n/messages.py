"""What the merchant is told after an action (flash messages) and on an error page."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    # After an action
    "saved": {"en": "Settings saved.", "ar": "تم حفظ الإعدادات."},
    "settings_superseded": {
        "en": "Pending approvals made under the old settings were withdrawn; fresh ones are being prepared.",
        "ar": "سُحبت الموافقات المعلّقة المبنية على الإعدادات السابقة؛ يجري إعداد اقتراحات جديدة.",
    },
    "run_enqueued": {"en": "A run was queued; refresh in a moment.", "ar": "تمت جدولة التشغيل؛ حدّث الصفحة بعد قليل."},
    "run_already_queued": {"en": "A run was queued moments ago; it is on its way.",
                           "ar": "تمت جدولة تشغيل قبل لحظات، وهو في الطريق."},
    "store_inactive": {"en": "This store is inactive, so no run can start.",
                       "ar": "هذا المتجر غير نشط، فلا يمكن بدء التشغيل."},
    "decision_approved": {"en": "Decision approved.", "ar": "تمت الموافقة على التغيير."},
    "decision_rejected": {"en": "Decision rejected.", "ar": "تم رفض التغيير."},
    "decision_not_pending": {"en": "This change is no longer waiting for approval.",
                             "ar": "هذا التغيير لم يعد بانتظار الموافقة."},
    "select_one": {"en": "Select at least one change.", "ar": "اختر تغييرًا واحدًا على الأقل."},
    "bulk_approved": {"en": "{n} change(s) approved.", "ar": "تمت الموافقة على {n} من التغييرات."},
    "bulk_rejected": {"en": "{n} change(s) rejected.", "ar": "تم رفض {n} من التغييرات."},
    "bulk_skipped": {"en": "{n} skipped: no longer waiting for approval.",
                     "ar": "تم تخطي {n}: لم تعد بانتظار الموافقة."},
    "fix_errors": {"en": "Some values need a fix; see the messages next to the fields.",
                   "ar": "بعض القيم تحتاج إلى تصحيح؛ راجع الرسائل بجانب الحقول."},
    # Error pages
    "not_found": {"en": "Not found", "ar": "غير موجود"},
    "not_found_text": {"en": "There is no such page for this session.", "ar": "لا توجد هذه الصفحة لهذه الجلسة."},
    "form_expired": {"en": "Form expired", "ar": "انتهت صلاحية النموذج"},
    "test_alert_sent": {"en": "Test alert sent to {targets} target(s).",
                        "ar": "أُرسل تنبيه تجريبي إلى {targets} وجهة."},
    "test_alert_failed": {"en": "The test alert could not be sent: {error}",
                          "ar": "تعذّر إرسال التنبيه التجريبي: {error}"},
    "test_alert_unconfigured": {"en": "No alert target is configured for this store: add one under Notifications.",
                                "ar": "لا توجد وجهة تنبيهات مهيأة لهذا المتجر: أضف واحدة ضمن التنبيهات."},
    "form_expired_text": {"en": "The form's security token is missing or wrong; reload the page and try again.",
                          "ar": "رمز الأمان في النموذج مفقود أو غير صحيح؛ أعد تحميل الصفحة وحاول مرة أخرى."},
    "form_not_accepted": {"en": "Form not accepted", "ar": "لم يُقبل النموذج"},
    "unknown_action": {"en": "Unknown action", "ar": "إجراء غير معروف"},
    "choose_approve_reject": {"en": "Choose approve or reject.", "ar": "اختر الموافقة أو الرفض."},
    "wrong_token": {"en": "Wrong token.", "ar": "الرمز غير صحيح."},
    "operator_disabled": {"en": "The operator view is disabled: set ADMIN_API_TOKEN.",
                          "ar": "واجهة المشغّل معطّلة: اضبط ADMIN_API_TOKEN."},
}

__all__ = ["LABELS"]
