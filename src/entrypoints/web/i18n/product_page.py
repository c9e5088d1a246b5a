"""The words of a product's page: competitor offers, the price chart, the demand curve, overrides."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "competitor_offers": {"en": "Competitor offers", "ar": "عروض المنافسين"},
    "shipping": {"en": "Shipping", "ar": "الشحن"},
    "age": {"en": "Seen", "ar": "رُصد"},
    "hours_ago": {"en": "{n} h ago", "ar": "قبل {n} ساعة"},
    "within_the_hour": {"en": "within the hour", "ar": "خلال الساعة الأخيرة"},
    "in_stock": {"en": "In stock", "ar": "متوفر"},
    "yes": {"en": "Yes", "ar": "نعم"},
    "no": {"en": "No", "ar": "لا"},
    "trusted": {"en": "Used?", "ar": "مُستخدم؟"},
    "used": {"en": "Used", "ar": "مُستخدم"},
    "no_offers": {"en": "No competitor offer has been seen for this product yet.",
                  "ar": "لم يُرصد أي عرض منافس لهذا المنتج بعد."},
    "price_chart": {"en": "Price over the last 90 days", "ar": "السعر خلال آخر 90 يومًا"},
    "chart_floor": {"en": "floor", "ar": "الحد الأدنى"},
    "chart_lowest": {"en": "lowest competitor", "ar": "أقل منافس"},
    "chart_note": {"en": "Your price (line), applied changes (dots), the margin floor and today's lowest "
                         "usable competitor price.",
                   "ar": "سعرك (الخط)، والتغييرات المطبّقة (النقاط)، والحد الأدنى للهامش، وأقل سعر منافس صالح اليوم."},
    "demand": {"en": "Demand", "ar": "الطلب"},
    "demand_none": {"en": "Not enough sales yet to estimate how demand responds to price.",
                    "ar": "لا توجد مبيعات كافية بعد لتقدير استجابة الطلب للسعر."},
    "demand_text": {"en": "Price elasticity {value} (90% interval {low} to {high}, from {days} days of sales): "
                          "a 1% higher price changes units sold by about {value}%.",
                    "ar": "مرونة السعر {value} (فترة ثقة 90٪ من {low} إلى {high}، من مبيعات {days} يومًا): "
                          "رفع السعر 1٪ يغيّر الكمية المباعة بنحو {value}٪."},
    "demand_chart": {"en": "Expected units a day at each price (band: the 90% interval)",
                     "ar": "الكمية المتوقعة يوميًا عند كل سعر (النطاق: فترة الثقة 90٪)"},
    "chart_today": {"en": "today", "ar": "اليوم"},
    "chart_optimum": {"en": "most profit", "ar": "أعلى ربح"},
    "override": {"en": "Your override", "ar": "تخصيصك"},
    "override_excluded": {"en": "Excluded from automatic pricing", "ar": "مستبعد من التسعير التلقائي"},
    "fixed_price": {"en": "Fixed price", "ar": "سعر ثابت"},
    "min_price": {"en": "Minimum price", "ar": "أدنى سعر"},
    "max_price": {"en": "Maximum price", "ar": "أعلى سعر"},
    "map_price": {"en": "Minimum advertised price", "ar": "أدنى سعر معلن"},
}

__all__ = ["LABELS"]
