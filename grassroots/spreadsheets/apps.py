from django.apps import AppConfig


class SpreadsheetsConfig(AppConfig):
    name = "grassroots.spreadsheets"
    label = "spreadsheets"
    verbose_name = "导入导出"
