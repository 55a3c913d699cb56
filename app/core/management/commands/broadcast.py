from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Send a text message to every client connected to /ws/notifications/, "
        "in every daphne process, through the channel layer."
    )

    def add_arguments(self, parser):
        parser.add_argument("message", help="Text delivered unchanged to every client.")

    def handle(self, *args, message, **options):
        layer = get_channel_layer()
        if layer is None:
            raise CommandError("No channel layer is configured (CHANNEL_LAYERS).")
        group = settings.NOTIFICATIONS_GROUP
        try:
            async_to_sync(layer.group_send)(
                group, {"type": "notification.message", "text": message}
            )
        except Exception as exc:
            raise CommandError(
                f"Could not send to group {group!r}: {type(exc).__name__}: {exc}"
            ) from exc
        self.stdout.write(self.style.SUCCESS(f"Sent to group {group!r}."))
