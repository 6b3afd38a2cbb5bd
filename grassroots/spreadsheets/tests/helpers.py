"""Building register files for the tests."""

import io
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from grassroots.rules.idnumber import make_id_number
from grassroots.spreadsheets.register import HEADERS

GRID = "150426100223001"  # 赛沁塔拉嘎查, grid 1
GRID_2 = "150426100223002"
OTHER_VILLAGE_GRID = "150426104204001"  # 官井子村, grid 1
VILLAGE = "150426100223"


def id_number(n: int, born: date = date(1980, 1, 1)) -> str:
    return make_id_number("150426", born, n)


def row(**over) -> list:
    values = {"户号": "T-001", "网格编码": GRID, "住址": "一组9号", "姓名": "巴特尔", "性别": "男", "出生日期": "",
              "与户主关系": "户主", "民族": "蒙古族", "身份证号": "", "手机号": "", "政治面貌": "", "流动党员": "",
              "标签": ""}
    values.update(over)
    return [values[h] for h in HEADERS]


def xlsx(rows, headers=HEADERS) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("户籍")
    ws.append(list(headers))
    for r in rows:
        ws.append(r)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "户籍.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def household_rows(number: str, *, first_id: int, grid: str = GRID) -> list[list]:
    return [
        row(户号=number, 网格编码=grid, 姓名="其木格", 性别="", 与户主关系="户主", 身份证号=id_number(first_id),
            手机号="13904760001", 政治面貌="正式党员", 流动党员="是", 标签="牧户、低保"),
        row(户号=number, 网格编码=grid, 住址="", 姓名="张小红", 性别="女", 出生日期=date(1982, 5, 6), 与户主关系="配偶",
            民族="汉族", 标签="残疾"),
    ]


PEOPLE = 100_000  # a county-sized register: 25,000 households
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "秀英华玉兰明国建平志红海军云峰晓燕丽军伟芳娟敏静立新宝山巴特尔其木格苏日娜"
RELATIONS = ("户主", "配偶", "子女", "子女")
TAGS = ("", "牧户", "低保、残疾", "", "种植户", "")


def write_register(path, people: int = PEOPLE) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("户籍")
    ws.append(HEADERS)
    born = date(1950, 1, 1)
    for n in range(people):
        household, member = divmod(n, 4)
        name = SURNAMES[n % len(SURNAMES)] + GIVEN[n % len(GIVEN)] + GIVEN[(n // 7) % len(GIVEN)]
        ws.append((
            f"D-{household:05d}", GRID if household % 2 else GRID_2, f"{household % 12 + 1}组{household}号" if not member
            else "", name, "", "", RELATIONS[member], "蒙古族" if n % 3 else "汉族",
            make_id_number("150426", born + timedelta(days=n // 1000), n % 1000),
            f"139{n:08d}" if member < 2 else "", "正式党员" if n % 17 == 0 else "", "", TAGS[n % len(TAGS)],
        ))
    wb.save(path)
