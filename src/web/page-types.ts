// What the playground's stand-in (src/playground) sends its page (src/web/playground*.ts): one
// definition for both sides. Types only, so the server's build and the page's build can both use it.

export interface Person {
  id: string;
  name: string;
  realName: string;
}
export interface Channel {
  id: string;
  name: string;
  dmWith?: string;
}
/** A message as the page gets it: facts, plus its body already rendered from Block Kit. */
export interface PageMessage {
  id: string;
  channel: string;
  ts: string;
  threadTs?: string;
  author: string;
  authorName: string;
  bot: boolean;
  ephemeral: boolean;
  edited: boolean;
  deleted: boolean;
  html: string;
}
export interface PageView {
  id: string;
  html: string;
}
export interface Snapshot {
  me: string;
  people: Person[];
  channels: Channel[];
  feedChannel: string;
  commands: string[];
  messages: PageMessage[];
  views: PageView[];
}
