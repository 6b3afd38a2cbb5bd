"""API keys of Open311 clients: create (prints the key once), list, deactivate."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from grassroots.areas.models import Area
from grassroots.audit.context import Actor
from grassroots.demands.open311 import services
from grassroots.demands.open311.models import Open311Client


class Command(BaseCommand):
    help = "Open311 接入方的 API 密钥：create 新建（密钥只显示一次）、list 列出、deactivate 停用"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="新建接入方并显示其 API 密钥")
        create.add_argument("--name", required=True, help="接入方名称，如“翁牛特旗12345热线”")
        create.add_argument("--area", required=True, help="可提交诉求的区域的区划代码（其下级均可）")
        sub.add_parser("list", help="列出接入方")
        deactivate = sub.add_parser("deactivate", help="停用接入方")
        deactivate.add_argument("prefix", help="密钥前缀（list 中显示）")

    def handle(self, *args, **options):
        actor = Actor.system("open311-client")
        if options["action"] == "create":
            area = Area.objects.filter(code=options["area"]).first()
            if area is None:
                raise CommandError(f"区划代码 {options['area']} 不存在")
            try:
                client, key = services.create_client(actor=actor, name=options["name"], area=area)
            except ValidationError as exc:
                raise CommandError("；".join(exc.messages)) from None
            self.stdout.write(f"已新建 {client.name}（{area.name}）。API 密钥（只显示这一次，请妥善保存）：")
            self.stdout.write(key)
        elif options["action"] == "list":
            for client in Open311Client.objects.select_related("area"):
                state = "启用" if client.is_active else "停用"
                self.stdout.write(f"{client.key_prefix}  {state}  {client.name}  {client.area.code} {client.area.name}")
        else:
            matches = list(Open311Client.objects.filter(key_prefix=options["prefix"]))
            if len(matches) != 1:
                raise CommandError("没有唯一匹配此前缀的接入方")
            services.deactivate_client(actor=actor, client=matches[0])
            self.stdout.write(f"已停用 {matches[0].name}")
