from django.core.exceptions import ValidationError

from grassroots.rules.passwords import MIN_CLASSES, character_classes


class CharacterClassesValidator:
    """At least three of: upper case, lower case, digits, symbols (MLPS level 2)."""

    def validate(self, password, user=None):
        if character_classes(password) < MIN_CLASSES:
            raise ValidationError("密码须包含大写字母、小写字母、数字、符号中的至少三类。", code="password_classes")

    def get_help_text(self):
        return "密码须包含大写字母、小写字母、数字、符号中的至少三类。"
