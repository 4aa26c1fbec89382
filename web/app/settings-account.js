// Settings → Account: auto-resolve (Chatwoot's account settings): open
// conversations idle for the chosen time are resolved, with a message to
// the customer and a label, and optionally never while the customer waits.

import { Unauthorized, api, el, field } from "./lib.js";
import { apiBase, checkbox, formCard, input, signIn, textarea, withText } from "./settings-kit.js";

const TEXT = {
  en: {
    account: "Account", autoResolve: "Auto-resolve", autoOn: "Resolve conversations nobody touched for",
    after: "Idle for", unit: "Idle for: unit", minutes: "minutes", hours: "hours", days: "days",
    message: "Message to the customer when resolving (optional)", label: "Label to add (optional)",
    ignoreWaiting: "Never while the customer waits for a reply", saved: "Saved",
    hint: "From 10 minutes to 999 days; checked every 15 seconds.",
  },
  ru: {
    account: "Аккаунт", autoResolve: "Автозакрытие", autoOn: "Закрывать разговоры без активности дольше",
    after: "Без активности", unit: "Без активности: единица", minutes: "минут", hours: "часов", days: "дней",
    message: "Сообщение клиенту при закрытии (необязательно)", label: "Добавить метку (необязательно)",
    ignoreWaiting: "Не закрывать, пока клиент ждёт ответа", saved: "Сохранено",
    hint: "От 10 минут до 999 дней; проверка каждые 15 секунд.",
  },
};
const tt = withText(TEXT);
const UNITS = [["1", "minutes"], ["60", "hours"], ["1440", "days"]];

export async function accountSection(host) {
  let account;
  try {
    account = await api(apiBase());
  } catch (e) {
    if (e instanceof Unauthorized) return signIn();
    throw e;
  }
  const s = account.settings || {};
  const minutes = s.auto_resolve_after || null;
  let unit = "1";
  for (const [size] of [...UNITS].reverse()) {
    if (minutes && minutes % Number(size) === 0) { unit = size; break; }
  }
  const on = checkbox(tt("autoOn"), "auto_resolve", Boolean(minutes));
  const amount = input("auto_resolve_after", minutes ? String(minutes / Number(unit)) : "2", { type: "number", min: "1", step: "1" });
  const units = el("select", { name: "auto_resolve_unit", "aria-label": tt("unit") },
    ...UNITS.map(([v, label]) => el("option", { value: v, text: tt(label) })));
  units.value = minutes ? unit : "1440";
  const after = field(tt("after"), amount);
  after.append(units, el("p", { class: "hint", text: tt("hint") }));
  after.classList.add("threshold");
  const message = textarea("auto_resolve_message", s.auto_resolve_message || "", 2);
  const label = input("auto_resolve_label", s.auto_resolve_label || "", { autocomplete: "off" });
  const waiting = checkbox(tt("ignoreWaiting"), "auto_resolve_ignore_waiting", Boolean(s.auto_resolve_ignore_waiting));
  const body = el("div", { class: "stack" }, after, field(tt("message"), message), field(tt("label"), label), waiting.node);
  const sync = () => { body.hidden = !on.input.checked; };
  on.input.addEventListener("change", sync);
  sync();
  const { form } = formCard(tt("autoResolve"), [el("h3", { text: tt("autoResolve") }), on.node, body], tt("save"), async () => {
    const json = on.input.checked
      ? {
        auto_resolve_after: Math.round(Number(amount.value) * Number(units.value)),
        auto_resolve_message: message.value.trim() || null,
        auto_resolve_label: label.value.trim() || null,
        auto_resolve_ignore_waiting: waiting.input.checked,
      }
      : { auto_resolve_after: null };
    await api(apiBase(), { method: "PATCH", json });
    return tt("saved");
  });
  host.replaceChildren(el("h2", { text: tt("account"), tabindex: "-1" }), form);
}
