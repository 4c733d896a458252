// Row shapes of the tables that shared code (outbox, bot check) works on; each
// service's schema type extends these.

export interface OutboxTable {
  id: string;
  recipient: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  created_at: number;
  attempts: number;
  next_attempt_at: number;
  claimed_until: number | null;
  sent_at: number | null;
  /** Set when no try is left: the mail's links had expired before it could go out. */
  gave_up_at: number | null;
  last_error: string | null;
}

export interface BotcheckSpentTable {
  signature: string;
  expires_at: number;
}

export interface ThrottleCounterTable {
  key: string;
  count: number;
  window_started_at: number;
  updated_at: number;
}

/** Services that keep fixed-window counters (throttles, rate limits). */
export interface CounterTables {
  throttle_counters: ThrottleCounterTable;
}

export interface SecretTable {
  name: string;
  value: string;
  created_at: number;
}

/** Services that keep secrets generated at first start (cookie and HMAC keys). */
export interface SecretTables {
  secrets: SecretTable;
}

export interface SharedTables {
  outbox: OutboxTable;
  botcheck_spent: BotcheckSpentTable;
}
