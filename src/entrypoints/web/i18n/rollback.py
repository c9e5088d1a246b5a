"""The run page's and the rollback's words (the run page, its rollback preview and result)."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "run": {"en": "Run", "ar": "التشغيل"},
    "run_of": {"en": "Run of {when}", "ar": "تشغيل {when}"},
    "run_changes": {"en": "What this run changed ({n})", "ar": "ما غيّره هذا التشغيل ({n})"},
    "run_no_changes": {"en": "This run changed no price.", "ar": "لم يغيّر هذا التشغيل أي سعر."},
    "run_other_decisions": {"en": "Its other decisions", "ar": "قراراته الأخرى"},
    "price_before_run": {"en": "Price before the run", "ar": "السعر قبل التشغيل"},
    "price_run_set": {"en": "Price the run set", "ar": "السعر الذي وضعه التشغيل"},
    "price_in_salla": {"en": "Price in Salla now", "ar": "السعر في سلة الآن"},
    "rolled_back": {"en": "Rolled back", "ar": "أُعيد"},
    "rollback_status": {"en": "Roll back", "ar": "الإرجاع"},
    "rollback_run_button": {"en": "Roll back this run…", "ar": "إرجاع أسعار هذا التشغيل…"},
    "rollback_one_button": {"en": "Roll back…", "ar": "إرجاع…"},
    "rollback_title": {"en": "Roll back the run of {when}", "ar": "إرجاع أسعار تشغيل {when}"},
    "rollback_intro": {
        "en": (
            "Each product gets back its price from before the run, only where Salla still shows the price the "
            "run set: a price changed since is left as it is. A previous price that breaks one of today's "
            "limits (margin floor, minimum advertised price, minimum or maximum price, the product's own "
            "settings) is restored only if you tick the box below."
        ),
        "ar": (
            "يستعيد كل منتج سعره قبل التشغيل، فقط حيث ما زالت سلة تعرض السعر الذي وضعه التشغيل: السعر الذي "
            "تغيّر بعده يُترك كما هو. السعر السابق الذي يخالف أحد حدود اليوم (حد الهامش، أدنى سعر معلن، "
            "أدنى أو أعلى سعر، إعدادات المنتج نفسه) لا يُستعاد إلا إذا حددت المربع أدناه."
        ),
    },
    "rollback_will_restore": {"en": "Will be restored ({n})", "ar": "ستُستعاد ({n})"},
    "rollback_needs_confirmation": {"en": "Need your confirmation ({n})", "ar": "تحتاج تأكيدك ({n})"},
    "rollback_left": {"en": "Left as they are ({n})", "ar": "تُترك كما هي ({n})"},
    "rollback_already": {"en": "Already restored ({n})", "ar": "أُعيدت من قبل ({n})"},
    "rollback_restored_now": {"en": "Restored ({n})", "ar": "أُعيدت ({n})"},
    "rollback_nothing": {"en": "Nothing to restore.", "ar": "لا يوجد ما يُستعاد."},
    "rollback_confirm_breaks": {
        "en": "Also restore the prices that break today's limits (listed above)",
        "ar": "استعد أيضًا الأسعار التي تخالف حدود اليوم (المذكورة أعلاه)",
    },
    "rollback_confirm_button": {"en": "Restore {n} price(s)", "ar": "استعادة {n} سعرًا"},
    "rollback_done": {"en": "Rollback: {restored} price(s) restored, {left} left.",
                      "ar": "الإرجاع: استُعيد {restored} سعرًا، وتُرك {left}."},
    "rollback_busy": {
        "en": "A run of this store is in progress; roll back once it has finished.",
        "ar": "يوجد تشغيل جارٍ لهذا المتجر؛ أعد المحاولة بعد انتهائه.",
    },
    "rollback_salla_error": {
        "en": "Salla could not be reached; nothing is lost. Try the rollback again in a moment.",
        "ar": "تعذّر الوصول إلى سلة؛ لم يضع شيء. أعد محاولة الإرجاع بعد قليل.",
    },
    "rollback_not_connected": {
        "en": "The store's connection to Salla is not usable; connect the app again, then roll back.",
        "ar": "اتصال المتجر بسلة غير صالح؛ اربط التطبيق من جديد ثم أعد الإرجاع.",
    },
    "rollback_shown_first": {"en": "The first {n} are shown.", "ar": "تُعرض أول {n}."},
    "back_to_run": {"en": "Back to the run", "ar": "العودة إلى التشغيل"},
    "rollback.restore": {"en": "Will be restored", "ar": "سيُستعاد"},
    "rollback.restored": {"en": "Restored", "ar": "استُعيد"},
    "rollback.already_restored": {"en": "Restored before", "ar": "استُعيد من قبل"},
    "rollback.needs_confirmation": {"en": "Needs your confirmation", "ar": "يحتاج تأكيدك"},
    "rollback.left": {"en": "Left as it is", "ar": "تُرك كما هو"},
    "activity.price_rolled_back": {"en": "Prices rolled back", "ar": "إرجاع أسعار"},
}

__all__ = ["LABELS"]
