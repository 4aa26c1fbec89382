// The public satisfaction survey: the page every non-widget channel links
// to (/survey/responses/<conversation uuid>). It reads the survey from the
// public API, shows five ratings as a radio group and a feedback box, and
// sends the answer; answered surveys can be changed until they lock.

const WORDS = {
  en: {
    title: "Rate the conversation", from: "with {inbox}", question: "How was your conversation?",
    ratings: ["Very unhappy", "Unhappy", "Okay", "Happy", "Very happy"], feedback: "Anything to add? (optional)",
    send: "Send", change: "Change my answer", thanks: "Thank you! Your answer was saved.", closed: "This survey is closed.",
    missing: "This survey was not found.", failed: "The answer could not be sent. Please try again.", pick: "Choose a rating first.",
    stars: (n) => `${n} of 5`,
  },
  ru: {
    title: "Оцените разговор", from: "с {inbox}", question: "Как прошёл разговор?",
    ratings: ["Очень плохо", "Плохо", "Нормально", "Хорошо", "Отлично"], feedback: "Что-нибудь добавить? (необязательно)",
    send: "Отправить", change: "Изменить ответ", thanks: "Спасибо! Ответ сохранён.", closed: "Опрос закрыт.",
    missing: "Опрос не найден.", failed: "Не удалось отправить ответ. Попробуйте ещё раз.", pick: "Сначала выберите оценку.",
    stars: (n) => `${n} из 5`,
  },
};
const FACES = ["😞", "🙁", "😐", "🙂", "😀"];

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v;
    else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) if (c) node.append(c);
  return node;
}

const main = document.getElementById("survey");
const uuid = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");
const api = `/public/api/v1/csat_survey/${encodeURIComponent(uuid)}`;

function pickWords(locale) {
  const lang = (new URLSearchParams(location.search).get("locale") || locale || navigator.language || "en").slice(0, 2);
  return [WORDS[lang] ? lang : "en", WORDS[lang] || WORDS.en];
}

function render(s) {
  const [lang, w] = pickWords(s.locale);
  document.documentElement.lang = lang;
  document.title = w.title;
  const answer = s.csat_survey_response;
  const status = el("p", { class: "status", role: "status", "aria-live": "polite" });
  const radios = el("div", { class: "ratings" });
  for (let n = 1; n <= 5; n++) {
    const id = `r${n}`;
    const input = el("input", { type: "radio", name: "rating", id, value: String(n) });
    if (answer && Number(answer.rating) === n) input.checked = true;
    const face = s.display_type === "star" ? "★".repeat(n) : FACES[n - 1];
    const label = el("label", { for: id }, el("span", { class: "face", "aria-hidden": "true", text: face }),
      el("span", { text: s.display_type === "star" ? w.stars(n) : w.ratings[n - 1] }));
    radios.append(input, label);
  }
  const group = el("fieldset", { "aria-describedby": "question" }, el("legend", { id: "question", text: s.question || w.question }), radios);
  const feedback = el("textarea", { id: "feedback", name: "feedback_message", maxlength: "2000" });
  feedback.value = (answer && answer.feedback_message) || "";
  const button = el("button", { type: "submit", text: answer ? w.change : w.send });
  const form = el("form", { novalidate: true }, group, el("label", { class: "feedback", for: "feedback", text: w.feedback }), feedback, button, status);
  if (s.locked) {
    for (const i of form.querySelectorAll("input, textarea, button")) i.disabled = true;
    status.textContent = w.closed;
  }
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const picked = form.querySelector("input[name=rating]:checked");
    status.className = "status";
    if (!picked) {
      status.textContent = w.pick;
      status.classList.add("bad");
      radios.querySelector("input").focus();
      return;
    }
    button.disabled = true;
    try {
      const r = await fetch(api, {
        method: "PUT",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ message: { submitted_values: { csat_survey_response: {
          rating: Number(picked.value), feedback_message: feedback.value.trim() || null,
        } } } }),
      });
      if (!r.ok) throw new Error(String(r.status));
      status.textContent = w.thanks;
      status.classList.add("ok");
      button.textContent = w.change;
    } catch {
      status.textContent = w.failed;
      status.classList.add("bad");
    } finally {
      button.disabled = false;
    }
  });
  main.replaceChildren(el("h1", { text: w.title }),
    el("p", { class: "from", text: w.from.replace("{inbox}", s.inbox_name || "") }), form);
  main.removeAttribute("aria-busy");
}

async function start() {
  try {
    const r = await fetch(api, { headers: { Accept: "application/json" } });
    if (!r.ok) throw new Error(String(r.status));
    render(await r.json());
  } catch {
    const [lang, w] = pickWords(null);
    document.documentElement.lang = lang;
    main.replaceChildren(el("h1", { text: w.title }), el("p", { class: "status bad", role: "alert", text: w.missing }));
    main.removeAttribute("aria-busy");
  }
}

start();
