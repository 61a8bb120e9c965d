/**
 * Media types, annotation keys and fixed values of the image-signature
 * formats (oci-signatures.md §1, §2, §5, §6). Values are byte-exact: readers
 * (cosign, containers/image, sigstore-js) compare them as strings.
 */

/** OCI 1.1 image manifest (oci-signatures.md §1). */
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
/** OCI image index (oci-signatures.md §1). */
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
/** Docker v2 schema 2 manifest and manifest list (oci-signatures.md §1). */
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
/** The OCI image config type cosign's signature manifests carry (ignored by readers, §2). */
export const OCI_IMAGE_CONFIG = 'application/vnd.oci.image.config.v1+json';

/** The OCI empty descriptor: media type, body `{}` and its digest (oci-signatures.md §1). */
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
export const OCI_EMPTY_BLOB: Uint8Array = new TextEncoder().encode('{}');
export const OCI_EMPTY_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';

/** Legacy `.sig` layer: the simple-signing payload blob (oci-signatures.md §2). */
export const SIMPLE_SIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
/** Legacy `.att` layer: a DSSE envelope blob (oci-signatures.md §2). */
export const DSSE_ENVELOPE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';

/** Legacy layer annotations (oci-signatures.md §2 table). */
export const ANNOTATION_SIGNATURE = 'dev.cosignproject.cosign/signature';
export const ANNOTATION_BUNDLE = 'dev.sigstore.cosign/bundle';
export const ANNOTATION_CERTIFICATE = 'dev.sigstore.cosign/certificate';
export const ANNOTATION_CHAIN = 'dev.sigstore.cosign/chain';
/** Legacy `.att` layers name their predicate type here (oci-signatures.md §2). */
export const ANNOTATION_PREDICATE_TYPE = 'predicateType';

/** DSSE payload type of in-toto statements (oci-signatures.md §2, §5). */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
/** in-toto Statement v1 `_type`. */
export const IN_TOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
/** The predicate type cosign v3 `sign` uses for its "signed" statement (oci-signatures.md §6). */
export const COSIGN_SIGN_PREDICATE_TYPE = 'https://sigstore.dev/cosign/sign/v1';

/** The simple-signing `critical.type` cosign writes (oci-signatures.md §3). */
export const COSIGN_SIGNATURE_TYPE = 'cosign container image signature';

/** Sigstore bundle media types (oci-signatures.md §5 "Media types"). */
export const BUNDLE_V03_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
export const BUNDLE_MEDIA_TYPE_PREFIX = 'application/vnd.dev.sigstore.bundle';

/** Annotations of a bundle stored as an OCI 1.1 artifact (oci-signatures.md §6). */
export const ANNOTATION_CREATED = 'org.opencontainers.image.created';
export const ANNOTATION_BUNDLE_CONTENT = 'dev.sigstore.bundle.content';
export const ANNOTATION_BUNDLE_PREDICATE_TYPE = 'dev.sigstore.bundle.predicateType';
