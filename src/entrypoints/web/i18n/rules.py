"""The words of the pricing rules page: the rule list, the new-rule form and its preview."""

from __future__ import annotations

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
}

__all__ = ["LABELS"]
