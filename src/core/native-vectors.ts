// Generated once with node:crypto (keys discarded); see native.ts. Public data only.
/** The message every vector signs. */
export const MESSAGE = "scopegate crypto self-test";
/** Public keys of the vectors (RSA 2048, P-256, Ed25519). */
export const KEYS = {
  RSA: {
    kty: "RSA",
    n: "pkibNoXRkzpdhG_TYgVQLRzy9NyBPdKsJ1CJJisCjk9_bU9069LsUCphogjACl0HII14B3Nx3OQqEqNWrIlHH4cS-YmhNzkds11gy1ifhhspkH1-bIksVQW2QX53DZZpCkq9QHL10SfQaJmVxzFXXpy0maWlKiNtxT0x5-5Q6AS4OXWX3RmTDu_bZoXpXFPGGXu4eaxQBw97SLjAbtYvBdwyrFhMt85TrnPaJcZnBHMejf3Q7VJLancMJkGQKzsOBoxxxzcflHM2bPJE7yFApTJxR_OcopL-x5yzTWmuBjRLcalqMUPzCjSLTyyE_kOolwHqSGp4z-xG5IIw7HXMaw",
    e: "AQAB",
  },
  EC: {
    kty: "EC",
    x: "4fd5tEJ-sp7thY7Ljpf1vPZd9EVJWHqjr3OK9GVD61w",
    y: "6ndCkiLS4ZYiWxsXR5mt2He-1htlN9qTWPRRoLYC2oY",
    crv: "P-256",
  },
  OKP: { crv: "Ed25519", x: "VAYeJ_V1aN7PlhtuC_r28O9QLPn1g5AYMs1k0nVC6Vg", kty: "OKP" },
} as const;
/** base64url signatures of MESSAGE per algorithm, by the key of that family. */
export const SIGNATURES = {
  RS256:
    "EfJW0IRzLqTeVno9Gtpc1ogHeTMp9hXBTDNrcjx2KbTnnCHF1ji3EJmUjzeyrehezB-WCuX_SOUEY4-AEH9I3zCNigzWXlUb4EvYHjLpXPuBLQ4D9XpdQXRmXIeKg0hEaqvWSJ53oR3vE1BIiOPCzCpENREsV6iG2yq_pMQfVlGO5m1J1opaHLEArq8S2i_ksy6ZkhTviibdyiWPetBTtil28q-2syrsduTx14res8V6uwfywyD1JzVeZUw-1ZnnjxuVYbBqp_x079guykIZ2zCnE6AsnyjUb8bzIEGeuvcD6iuVcg6FSe36HdCq0GQ1lalxTLBuSvZ_-Ru1NMVw2Q",
  PS256:
    "OCXjptzycet3w6hwn1VIhuTESFVZEw_Q-AA1HC3pIyLc-h4QH3UZv1Yul8mYLItBfbYhCasdP8wKVmSifFT1hs9GhswbYk2HW3_hQa8fPtrwUX0JsxOhYrRooDuLoofspHVxxigxR0MVy_7zsNwy2BTLnpHA7KCFjGDlILHDKcQ6gqtX7yk6YDtStLycqOPfgjoZmYavUChvc9WcFPsP2BDn1lGzfw6C0lTL8wRooeFGza7E1ubPQJdrS9VtjiQRGnThw2EeJ-xaPIMDJX5YAmCE7ZcuIthtpTy6EDUJPpA4EUPd3AeOdFSHPBYj8QKws1NvCLwpgg7deg5ZvsEHNA",
  ES256: "rsbD2dcS2D7DZZiuRALK_sEkbOJEgi9p6wMe1gFCjgxy71g3O5BzH7AvmadkaVXANQI2PaEDwVuAKHAvZ3mIKQ",
  EdDSA: "-JfX4NI8ouCN1KA7YwVBgmDMSCuCNNeOyWgnvc7rfi9jLwoUW6fjtTCZxrXlbis47fSwTVBYohdQQZ1O7YNvBg",
} as const;
