/** An interactive element of a message, as the message defined it, with the IDs Slack reports. */
export interface FoundAction {
  blockId: string;
  actionId: string;
  element: Record<string, unknown>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * The element a click on the page names, looked up in the message's own blocks, so the
 * block_actions payload carries what the app defined (not what the page shows). IDs the app left
 * out follow the renderer's rule (render/blocks.ts): block `b<index>`, a section accessory
 * `a<block index>`, an actions element `a<block index>-<element index>`.
 */
export function findAction(blocks: unknown, blockId: string, actionId: string): FoundAction | undefined {
  if (!Array.isArray(blocks)) return undefined;
  for (const [index, block] of blocks.entries()) {
    if (!isObj(block)) continue;
    const bid = typeof block.block_id === 'string' ? block.block_id : `b${index}`;
    if (bid !== blockId) continue;
    const candidates: [unknown, string][] = [];
    if (isObj(block.accessory)) candidates.push([block.accessory, `a${index}`]);
    if (Array.isArray(block.elements)) for (const [i, e] of block.elements.entries()) candidates.push([e, `a${index}-${i}`]);
    for (const [el, fallback] of candidates) {
      if (!isObj(el)) continue;
      const aid = typeof el.action_id === 'string' ? el.action_id : fallback;
      if (aid === actionId) return { blockId: bid, actionId: aid, element: el };
    }
  }
  return undefined;
}
