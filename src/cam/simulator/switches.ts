// Switches for behaviours of real CAM that no public page settles (the README's table of ambiguities). Each is a
// seed option and can be flipped on a running simulator through the control plane, so tests cover both ways.
import { z } from "zod";
import { CAM_ACTIONS, type CamAction } from "../actions.js";
import { intBetween, positiveInt } from "./schema-parts.js";

const delayMs = intBetween(0, 600_000, "expected 0-600000 ms");
const actionList = z.array(z.enum(CAM_ACTIONS, { error: `expected one of ${CAM_ACTIONS.join(", ")}` }), {
  error: "expected a list of actions",
});

/** Account-wide switches: `POST /_sim/switches`, or the seed's top level. */
export const switchFields = {
  /** GetUserAppId answers AuthFailure.UnauthorizedOperation to a non-admin, as if it needed cam:GetUserAppId. */
  getUserAppIdNeedsPermission: z.boolean({ error: "expected true or false" }).optional(),
  /** A key made by CreateAccessKey answers AuthFailure.SecretIdNotFound for this long (propagation). */
  newKeyAuthDelayMs: delayMs.optional(),
};
export const switchesSchema = z.strictObject(switchFields, { error: "expected an object" });
export type SwitchesInput = z.input<typeof switchesSchema>;

export interface Switches {
  getUserAppIdNeedsPermission: boolean;
  newKeyAuthDelayMs: number;
}

/** Per-user switches: `POST /_sim/users`, or fields of a seed user. */
export const userSwitchFields = {
  /** Actions this user's policy lacks: each answers AuthFailure.UnauthorizedOperation, whoever is targeted. */
  deny: actionList.optional(),
  /** Keys CreateAccessKey makes for this user authenticate as that other user (a mix-up no real call should make). */
  newKeysAuthenticateAs: positiveInt.nullable().optional(),
};
export const userSwitchesSchema = z.strictObject(
  { uin: positiveInt, ...userSwitchFields },
  { error: "expected an object" }
);
export type UserSwitchesInput = z.input<typeof userSwitchesSchema>;

export interface UserSwitches {
  deny: Set<CamAction>;
  newKeysAuthenticateAs: number | null;
}
