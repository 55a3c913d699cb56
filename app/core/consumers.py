"""WebSocket consumers. Frames are plain text, passed on unchanged.

/ws/echo/           sends every frame back to its sender (text as text, binary as binary).
/ws/notifications/  joins the "notifications" group; a text frame from any client,
                    or `manage.py broadcast "msg"`, reaches every client in the
                    group, across daphne processes through the Redis channel layer.
"""

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

# Larger text frames to /ws/notifications/ are refused (close code 1009).
MAX_BROADCAST_LENGTH = 4096


class EchoConsumer(AsyncWebsocketConsumer):
    # No channel layer: the echo works, and proves daphne and routing work,
    # even when Redis is down.
    channel_layer_alias = None

    async def receive(self, text_data=None, bytes_data=None):
        if text_data is not None:
            await self.send(text_data=text_data)
        else:
            await self.send(bytes_data=bytes_data)


class NotificationConsumer(AsyncWebsocketConsumer):
    @property
    def group(self):
        return settings.NOTIFICATIONS_GROUP

    async def connect(self):
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        if text_data is None:
            await self.close(code=1003)  # unsupported data: text frames only
            return
        if len(text_data) > MAX_BROADCAST_LENGTH:
            await self.close(code=1009)  # message too big
            return
        await self.channel_layer.group_send(
            self.group, {"type": "notification.message", "text": text_data}
        )

    async def notification_message(self, event):
        """Handler for group messages of type "notification.message"."""
        await self.send(text_data=event["text"])
