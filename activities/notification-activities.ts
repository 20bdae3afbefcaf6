import type { NotificationToSend } from '../services/notifications.js';
import type { Services } from '../services/index.js';

export type { NotificationToSend };

export function createNotificationActivities(services: Services) {
  return {
    sendNotification: (notification: NotificationToSend) =>
      services.notifications.send(notification),
  };
}

export type NotificationActivities = ReturnType<typeof createNotificationActivities>;
