// "Browser notifications" on the profile page: the switch asks the browser's
// permission, subscribes this browser with the server's VAPID key through
// the service worker (/app/sw.js), and sends the subscription to
// /api/v1/notification_subscriptions; off unsubscribes both.

import { api, el, errorMessage, locale } from "./lib.js";

const TEXT = {
  en: {
    title: "Browser notifications", label: "Show notifications from this browser",
    hint: "Notifications chosen for push in the notification settings reach this browser even when no dashboard tab is open.",
    unsupported: "This browser cannot receive push notifications (it needs HTTPS and service workers).",
    denied: "Notifications are blocked for this site in the browser's settings.", on: "This browser gets notifications.",
    off: "This browser gets no notifications.", failed: "Couldn't change it: ",
  },
  ru: {
    title: "Уведомления в браузере", label: "Показывать уведомления в этом браузере",
    hint: "Уведомления, выбранные для push в настройках уведомлений, приходят в этот браузер, даже когда вкладка закрыта.",
    unsupported: "Этот браузер не принимает push-уведомления (нужны HTTPS и service worker).",
    denied: "Уведомления для этого сайта запрещены в настройках браузера.", on: "Этот браузер получает уведомления.",
    off: "Этот браузер не получает уведомлений.", failed: "Не удалось изменить: ",
  },
};
const t = (k) => TEXT[locale][k] || TEXT.en[k];

const supported = () => "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;

function keyBytes(b64) {
  const s = b64.replace(/-/g, "+").replace(/_/g, "/");
  const raw = atob(s + "=".repeat((4 - (s.length % 4)) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

async function registration() {
  return navigator.serviceWorker.register("/app/sw.js", { scope: "/app" });
}

async function subscribe() {
  const permission = await Notification.requestPermission();
  if (permission !== "granted") throw new Error(t("denied"));
  const { vapid_public_key: key } = await api("/api/v1/notification_subscriptions");
  const reg = await registration();
  const sub = (await reg.pushManager.getSubscription())
    || (await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) }));
  const { endpoint, keys } = sub.toJSON();
  await api("/api/v1/notification_subscriptions", {
    method: "POST",
    json: { notification_subscription: { subscription_type: "browser_push", subscription_attributes: { endpoint, p256dh: keys.p256dh, auth: keys.auth } } },
  });
}

async function unsubscribe() {
  const reg = await navigator.serviceWorker.getRegistration("/app");
  const sub = reg && (await reg.pushManager.getSubscription());
  if (!sub) return;
  await api(`/api/v1/notification_subscriptions?push_token=${encodeURIComponent(sub.endpoint)}`, { method: "DELETE" });
  await sub.unsubscribe();
}

// The card, its switch showing whether this browser is subscribed here.
export function pushCard(section) {
  const toggle = el("input", { type: "checkbox", name: "browser_notifications" });
  const hint = el("p", { class: "hint", id: "pf-push-hint", text: t("hint") });
  toggle.setAttribute("aria-describedby", hint.id);
  const note = el("p", { class: "meta", role: "status" });
  const error = el("p", { class: "error", role: "alert" });
  const paint = (on) => { toggle.checked = on; note.textContent = on ? t("on") : t("off"); };
  if (!supported()) {
    toggle.disabled = true;
    note.textContent = t("unsupported");
  } else if (Notification.permission === "denied") {
    toggle.disabled = true;
    note.textContent = t("denied");
  } else {
    (async () => {
      const reg = await navigator.serviceWorker.getRegistration("/app");
      const sub = reg && (await reg.pushManager.getSubscription());
      paint(Boolean(sub) && Notification.permission === "granted");
    })().catch(() => paint(false));
  }
  toggle.addEventListener("change", async () => {
    const want = toggle.checked;
    error.textContent = "";
    toggle.disabled = true;
    try {
      if (want) await subscribe(); else await unsubscribe();
      paint(want);
    } catch (e) {
      paint(!want);
      error.textContent = t("failed") + errorMessage(e);
    } finally {
      toggle.disabled = false;
    }
  });
  return section(t("title"), el("label", { class: "choice" }, toggle, el("span", { text: t("label") })), hint, note, error);
}
