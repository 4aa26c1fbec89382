// The dashboard's service worker: shows a browser push (Web Push, sent by
// the server encrypted for this browser) as a notification, and on a click
// focuses a dashboard tab on the conversation, or opens one.

self.addEventListener("push", (event) => {
  let m = {};
  try { m = event.data ? event.data.json() : {}; } catch { m = { title: event.data ? event.data.text() : "" }; }
  const title = m.title || "Switchboard";
  event.waitUntil(self.registration.showNotification(title, {
    body: m.body && m.body !== title ? m.body : "",
    tag: m.tag || undefined,
    data: { url: m.url || "/app" },
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL((event.notification.data && event.notification.data.url) || "/app", self.location.origin);
  // Only our own pages.
  const target = url.origin === self.location.origin ? url.href : new URL("/app", self.location.origin).href;
  event.waitUntil((async () => {
    const tabs = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    const tab = tabs.find((c) => new URL(c.url).pathname.startsWith("/app"));
    if (tab) {
      await tab.focus();
      if ("navigate" in tab) return tab.navigate(target).catch(() => null);
      return null;
    }
    return self.clients.openWindow(target);
  })());
});
