// Non-secret planning metadata kept in the secret's tags at promote, so sweeps plan without reading values.
export const CURRENT_KEY_TAG = "cam-rotator:current-key-id";
export const ROTATED_AT_TAG = "cam-rotator:rotated-at";
