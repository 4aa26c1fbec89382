// The words of the routing screens (an inbox's Assignment settings, agents'
// capacity, the Queue view and a conversation's Routing log), in English and
// Russian, kept beside each other as the other modules keep theirs.

import { locale } from "./lib.js";

const TEXT = {
  en: {
    // inbox settings: Assignment
    assignment: "Assignment", autoAssignment: "Assign new conversations automatically",
    autoAssignmentHint: "Conversations go to members of this inbox who are online, have a dashboard open and have room.",
    mode: "Mode", round_robin: "Round robin", balanced: "Balanced",
    modeHint: "Round robin: whoever got a conversation longest ago. Balanced: whoever holds the fewest open ones.",
    maxPerAgent: "Open conversations per agent in this inbox", noLimitHint: "Empty: no limit.",
    fairLimit: "Fair distribution: at most", fairWindow: "conversations per agent in", fairHint: "Empty: no cap.",
    window_900: "15 minutes", window_1800: "30 minutes", window_3600: "1 hour", window_14400: "4 hours", window_86400: "1 day",
    windowSecs: "{n} seconds",
    queueOrder: "Queue order (after priority)", longest_waiting: "Longest waiting first", earliest_created: "Earliest created first",
    requeue: "Back to the queue after (minutes without a reply)", requeueHint: "Empty: off. The conversation then goes to someone else.",
    // agents: capacity
    capacity: "Capacity", capacityOf: "Capacity of {name}", noLimit: "No limit",
    capacityHint: "Open conversations an agent may hold across all inboxes; empty for no limit of their own.",
    // the Queue view
    queue: "Queue", waiting: "Waiting", waitingN: "{n} waiting", agentsOnline: "{n} of {total} agents available",
    noneWaiting: "Nobody is waiting: every open conversation has an agent.", agentsTitle: "Agents",
    waitedFor: "waiting {time}", noWait: "waiting", inboxWord: "Inbox", teamWord: "Team", load: "Load",
    loadOf: "{load} / {cap}", loadOfNone: "{load} / no limit", atCapacity: "at capacity",
    online: "Online", busy: "Busy", offline: "Offline", grace: "grace period", away: "no dashboard open",
    seenAgo: "left {time} ago", updated: "Updated {time}", refresh: "Refresh", liveNote: "Updates as conversations arrive and are assigned.",
    unreachable: "Couldn't load the queue.", retry: "Retry", openConversation: "Open conversation {id}",
    urgent: "Urgent", high: "High", medium: "Medium", low: "Low", none: "No priority",
    // a conversation's Routing log
    routing: "Routing", noDecisions: "No routing decisions yet.", loading: "Loading…",
    out_assigned: "Assigned to {name}", out_waiting: "Waiting: nobody could take it", out_kept: "Kept with {name}",
    out_requeued: "Back to the queue", byMode: "by {mode}", loadAfter: "{n} open after it",
    mode_round_robin: "round robin", mode_balanced: "balanced",
    note_reopened: "reopened", note_no_response: "no reply in time", note_team_changed: "moved to another team",
    note_team_does_not_auto_assign: "its team does not auto-assign", note_no_agents: "no agents in this inbox",
    skipped: "Passed over", leftAccount: "a former agent",
    why_offline: "offline", why_away: "away (no dashboard open)", why_busy: "busy", why_at_capacity: "at capacity",
    why_fair_share: "fairness cap reached", why_not_in_team: "not in the team", why_no_response: "no reply in time",
  },
  ru: {
    assignment: "Назначение", autoAssignment: "Назначать новые разговоры автоматически",
    autoAssignmentHint: "Разговоры получают участники канала, которые в сети, с открытой панелью и свободны.",
    mode: "Способ", round_robin: "По очереди", balanced: "Поровну",
    modeHint: "По очереди: тот, кто дольше всех не получал разговор. Поровну: тот, у кого меньше открытых.",
    maxPerAgent: "Открытых разговоров на агента в этом канале", noLimitHint: "Пусто — без ограничения.",
    fairLimit: "Равномерно: не больше", fairWindow: "разговоров на агента за", fairHint: "Пусто — без ограничения.",
    window_900: "15 минут", window_1800: "30 минут", window_3600: "1 час", window_14400: "4 часа", window_86400: "1 день",
    windowSecs: "{n} секунд",
    queueOrder: "Порядок очереди (после приоритета)", longest_waiting: "Сначала те, кто дольше ждёт", earliest_created: "Сначала более ранние",
    requeue: "Вернуть в очередь через (минут без ответа)", requeueHint: "Пусто — не возвращать. Разговор получит кто-то другой.",
    capacity: "Вместимость", capacityOf: "Вместимость: {name}", noLimit: "Без ограничения",
    capacityHint: "Сколько открытых разговоров агент может вести во всех каналах; пусто — без личного ограничения.",
    queue: "Очередь", waiting: "Ждут", waitingN: "Ждут: {n}", agentsOnline: "Доступны агентов: {n} из {total}",
    noneWaiting: "Никто не ждёт: у каждого открытого разговора есть агент.", agentsTitle: "Агенты",
    waitedFor: "ждёт {time}", noWait: "ждёт", inboxWord: "Канал", teamWord: "Команда", load: "Нагрузка",
    loadOf: "{load} / {cap}", loadOfNone: "{load} / без ограничения", atCapacity: "заполнен",
    online: "В сети", busy: "Занят", offline: "Не в сети", grace: "льготный период", away: "панель не открыта",
    seenAgo: "ушёл {time} назад", updated: "Обновлено {time}", refresh: "Обновить", liveNote: "Обновляется, когда разговоры приходят и назначаются.",
    unreachable: "Не удалось загрузить очередь.", retry: "Повторить", openConversation: "Открыть разговор {id}",
    urgent: "Срочный", high: "Высокий", medium: "Средний", low: "Низкий", none: "Без приоритета",
    routing: "Маршрутизация", noDecisions: "Решений пока нет.", loading: "Загрузка…",
    out_assigned: "Назначен: {name}", out_waiting: "Ждёт: никто не мог принять", out_kept: "Остался у: {name}",
    out_requeued: "Возвращён в очередь", byMode: "способ: {mode}", loadAfter: "после этого открытых: {n}",
    mode_round_robin: "по очереди", mode_balanced: "поровну",
    note_reopened: "открыт снова", note_no_response: "нет ответа вовремя", note_team_changed: "передан другой команде",
    note_team_does_not_auto_assign: "команда не назначает автоматически", note_no_agents: "в канале нет агентов",
    skipped: "Пропущены", leftAccount: "бывший агент",
    why_offline: "не в сети", why_away: "отошёл (панель не открыта)", why_busy: "занят", why_at_capacity: "нет мест",
    why_fair_share: "достигнут предел равномерности", why_not_in_team: "не в команде", why_no_response: "не ответил вовремя",
  },
};

export function rt(k, vars) {
  let s = TEXT[locale][k] || TEXT.en[k] || k;
  if (vars) for (const [name, v] of Object.entries(vars)) s = s.replace(`{${name}}`, String(v));
  return s;
}

// A duration in seconds as "42 s", "5 min 03 s", "2 h 07 min".
export function duration(secs) {
  const s = Math.max(0, Math.floor(secs));
  const pad = (n) => String(n).padStart(2, "0");
  const ru = locale === "ru";
  if (s < 60) return ru ? `${s} с` : `${s} s`;
  if (s < 3600) return ru ? `${Math.floor(s / 60)} мин ${pad(s % 60)} с` : `${Math.floor(s / 60)} min ${pad(s % 60)} s`;
  if (s < 86400) return ru ? `${Math.floor(s / 3600)} ч ${pad(Math.floor(s / 60) % 60)} мин` : `${Math.floor(s / 3600)} h ${pad(Math.floor(s / 60) % 60)} min`;
  return ru ? `${Math.floor(s / 86400)} д ${Math.floor(s / 3600) % 24} ч` : `${Math.floor(s / 86400)} d ${Math.floor(s / 3600) % 24} h`;
}
