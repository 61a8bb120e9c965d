/** Domain parameters of the NIST curves Cairn verifies ECDSA on (FIPS 186-4 / SEC 2). */

export type CurveName = 'P-256' | 'P-384' | 'P-521';

export interface Curve {
  /** node:crypto / OpenSSL curve name. */
  readonly nodeName: string;
  /** Coordinate and scalar size in bytes. */
  readonly bytes: number;
  /** Field prime p, coefficient a (= p − 3), group order n and its bit length. */
  readonly p: bigint;
  readonly a: bigint;
  readonly n: bigint;
  readonly nBits: number;
}

const P256_P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const P384_P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn;
const P521_P = (1n << 521n) - 1n;

export const CURVES: Readonly<Record<CurveName, Curve>> = {
  'P-256': {
    nodeName: 'prime256v1',
    bytes: 32,
    p: P256_P,
    a: P256_P - 3n,
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    nBits: 256,
  },
  'P-384': {
    nodeName: 'secp384r1',
    bytes: 48,
    p: P384_P,
    a: P384_P - 3n,
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    nBits: 384,
  },
  'P-521': {
    nodeName: 'secp521r1',
    bytes: 66,
    p: P521_P,
    a: P521_P - 3n,
    n: 0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
    nBits: 521,
  },
};
