// The registry of what the `download` stage may produce: every dataset, every file with its size and sha256, its
// license, its format and where the official copy lives. The digests are literals (computed once from the shipped
// data/ files, which are byte-for-byte official or, for MUSE, a lossless reformatting of it; XNLI's are XTREME's
// per-language split of the official file, pinned at the mirror commit they came from) so that a corrupted or
// edited file, local or downloaded, is caught instead of silently feeding the rest of the pipeline.

export const DATASET_IDS = ['mlqa-dev', 'xquad-r', 'mlqa-r', 'muse', 'xnli-dev'] as const;
export type DatasetId = (typeof DATASET_IDS)[number];

export interface License {
  /** SPDX identifier. */
  readonly spdx: 'CC-BY-SA-3.0' | 'CC-BY-SA-4.0' | 'CC-BY-NC-4.0';
  readonly url: string;
  /** CC BY-NC data must never end up in a commercial product: surfaced in sources.json and the logs. */
  readonly nonCommercial: boolean;
}

/** How the bytes of a file are found upstream. URL = `${baseUrl ?? origin}/${path}`, so a mirror keeps the paths. */
export type RemoteLocation =
  /** The upstream file is our file, byte for byte. */
  | { readonly kind: 'file'; readonly origin: string; readonly path: string }
  /** Our file is one entry of an upstream zip whose own digest we do not know: verified after extraction. */
  | { readonly kind: 'zip-entry'; readonly origin: string; readonly path: string; readonly entry: string }
  /** Upstream is a MUSE `src tgt` text dictionary; we store `src\ttgt` and verify the converted bytes. */
  | { readonly kind: 'muse-text'; readonly origin: string; readonly path: string };

export type FileFormat = 'squad-json' | 'squad-json+sentences' | 'tsv-src-tgt' | 'tsv-premise-hypothesis-label';

export interface SourceFile {
  readonly dataset: DatasetId;
  /** File name, as in data/<dataset>/. */
  readonly name: string;
  /** Path relative to the artifact root (and to data/): `<dataset>/<name>`. */
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly license: License;
  readonly format: FileFormat;
  readonly remote: RemoteLocation;
}

export interface DatasetSource {
  readonly id: DatasetId;
  readonly title: string;
  readonly license: License;
  readonly format: FileFormat;
  readonly citation: string;
  /** Where a human can read about the dataset (the official page, not the mirror our copy came from). */
  readonly homepage: string;
  /** Upper bound on one upstream download: a runaway or hostile server cannot fill the disk. */
  readonly maxDownloadBytes: number;
  readonly files: readonly SourceFile[];
}

const CC_BY_SA_3: License = {
  spdx: 'CC-BY-SA-3.0',
  url: 'https://creativecommons.org/licenses/by-sa/3.0/legalcode',
  nonCommercial: false,
};
const CC_BY_SA_4: License = {
  spdx: 'CC-BY-SA-4.0',
  url: 'https://creativecommons.org/licenses/by-sa/4.0/legalcode',
  nonCommercial: false,
};
const CC_BY_NC_4: License = {
  spdx: 'CC-BY-NC-4.0',
  url: 'https://creativecommons.org/licenses/by-nc/4.0/legalcode',
  nonCommercial: true,
};

const FB_FILES = 'https://dl.fbaipublicfiles.com';
const GITHUB_RAW = 'https://raw.githubusercontent.com';
/**
 * XNLI's per-language dev TSVs (XTREME's preprocessing of the official XNLI-1.0.zip, which holds one multilingual
 * xnli.dev.tsv instead): the official zip is not byte-for-byte our files, so the remote source is the mirror
 * commit our copy came from (see data/xnli-dev/PROVENANCE.md), pinned, with the same digests.
 */
export const XNLI_MIRROR = 'wuhjie/few_shots_that_matters_wu';
export const XNLI_MIRROR_COMMIT = '6bfe6324e428ec21a777b5543cd8e50ec82dcb3c';
/** MLQA-R was deleted from LAReQA on 2020-04-28; this is the last commit that holds it. */
export const LAREQA_MLQA_R_COMMIT = '354d67d1cd066854cdfbf5ad0e6105528976141d';

type Row = readonly [name: string, sha256: string, bytes: number];

const MLQA_DEV_FILES: readonly Row[] = [
  ['dev-context-ar-question-ar.json', '804d8e1a5355486d837432af08c68e33cf4ea16361142775f0ba700bcde91b40', 1767431],
  ['dev-context-ar-question-de.json', 'bcd2720bc909b1b327bc444e560b0557d67c83d76d36ee1ca47c41d9c87c5d37', 706101],
  ['dev-context-ar-question-en.json', '8120087c2510b993222397c86c3d18b209ec5c791f277a8eeb8725d5bbd9b5e7', 1681200],
  ['dev-context-ar-question-es.json', 'f68b7df60c8912e02f32f3a1bbe9c3b030838fd6f92815a9b706cf3655815906', 510598],
  ['dev-context-ar-question-hi.json', 'eb745cb5113e1ccef5ee629b2d09055e85339655b199cf80656ddd21d058b2e0', 583063],
  ['dev-context-ar-question-vi.json', '56f576190df6e40410ad99e6b0f89b4ab6d64840e816db47478e10389696d4ce', 655378],
  ['dev-context-ar-question-zh.json', '1dc93ce968b43548ca90aa0376f36fb9bc2fa426822f8921fb6b19d5e4c130dc', 679335],
  ['dev-context-de-question-ar.json', '8141d61fec7e9f039a679729faa7b897301734f9ef6bfa9a43afa44d189f0b85', 219833],
  ['dev-context-de-question-de.json', 'c60546f273b3951da2e1fcad1f078d9d422f02b0a49e31fdeca41f6bd48e4b2e', 480566],
  ['dev-context-de-question-en.json', 'a756f172086fc5a7c79a7741eeb7d8cc48d941e70ffe9aec38bf23ad75bd9e77', 476753],
  ['dev-context-de-question-es.json', 'f1ebf4679b2ad86d21a17eb1ade9b8ead476aa5fdddd58f42d1c44eda23a97c2', 183133],
  ['dev-context-de-question-hi.json', '8882f3fa6ee8804e81acdf09d4e96a5d294187a87860639e0791b6fe9c6a74c7', 176819],
  ['dev-context-de-question-vi.json', 'f8ba0abf1aebe23d3778ff72b553e680ed0ed78a39f1c525a912de76708f3e48', 213847],
  ['dev-context-de-question-zh.json', 'b9fd64c411fe747d95aa7fa0e19254ec06fafcfa4a249ce8772063fbc766c2ac', 185139],
  ['dev-context-en-question-ar.json', '1acaa6e37c7ff7fb21d801a8f3d860c5daae63741d9c4ab3f5be24a8b25f0fd9', 638822],
  ['dev-context-en-question-de.json', 'e8418680f801fb00e33632f700c254f648ce83558773b86621a45e973721144f', 550863],
  ['dev-context-en-question-en.json', '85e0b48afa438f2938b6d74f3896133c87cb5f96e68d5280c5a36f67a6c56ab1', 1191027],
  ['dev-context-en-question-es.json', 'e9e9bca9c84d2a670c4d77d7a2d4a8d52417389e5ba976fa1255b04f95478970', 526696],
  ['dev-context-en-question-hi.json', 'b2476e60901c6ac2a37c08b453a372cc6734ec980e75ba66a9aacdc0617a074a', 608970],
  ['dev-context-en-question-vi.json', 'a72686443b4c219bf2c99113849a28b59bfcf38e6a55e8b3f8c9d8474d99c66d', 603848],
  ['dev-context-en-question-zh.json', '262215219ff9d8f5eb555f0b88b99c96316610143bf30d01f54e2aa38f2706fc', 569102],
  ['dev-context-es-question-ar.json', '225d3945227ac2836c950fd21de50d5ea2fbc47e1bd9813b9cfed5cfb849f190', 174407],
  ['dev-context-es-question-de.json', 'da5a797cc5397ab9c41bd718d48564dd4b1ad5583366ddab96743116f975c31c', 161305],
  ['dev-context-es-question-en.json', 'f88753a3b0d26945ac40c285dbb293786a24c91f2da8d7dc006b293929f1850c', 444264],
  ['dev-context-es-question-es.json', 'e9f057ed81a6ca652eda2f610a66d06cc9fe0944c0c3efd854fab1b60b6a687a', 453422],
  ['dev-context-es-question-hi.json', '81fb1702bb4901b5cdfa2b552e0a3164671b4935fa098320a8dd36659571fb30', 208064],
  ['dev-context-es-question-vi.json', '5b46239d97dc3defe305a3ca436f587e4a4939e2952901c3131b41ded0167077', 198275],
  ['dev-context-es-question-zh.json', '167d041880d4bb78dddb777218a076002c76b6b15bb94a292cc81f332ae9c523', 146528],
  ['dev-context-hi-question-ar.json', '8c26f39f657d1d6a07a519d2729286f26bd33f0d35d5557ce2fc6f6b89eec8c9', 592896],
  ['dev-context-hi-question-de.json', 'dcd582ff7ef075170dd0609dd0933c63f650c4ac3ddb1af8b68d93fd487592c5', 468433],
  ['dev-context-hi-question-en.json', 'c555473fa7c2b4f81f72137c2e2da49d414b7aeeba7e2eeb143347ce7e54924e', 1598568],
  ['dev-context-hi-question-es.json', '8335a208ecc0702999ead0942e0fb1be6c0040b526d232b0fe6ca3de2feb7832', 618440],
  ['dev-context-hi-question-hi.json', '36034fc6df13ee8955663550aa6ba014811094155c5392eb62014e4b02ffb391', 1696300],
  ['dev-context-hi-question-vi.json', '6fcaffdc88fb9fe350a1a1734212f9444ec8eb1a3737b652bc787bc9de5ae42e', 659747],
  ['dev-context-hi-question-zh.json', '9ab9944c7da2450396509bbb132498276c0530e1e0a5470bc37b8d88fbc05ddc', 611975],
  ['dev-context-vi-question-ar.json', 'c1bfa036f7625773e7d94f13237e43d98821077456602dcb8d2edb7964b2ef49', 335823],
  ['dev-context-vi-question-de.json', '0e0e7e091864f394d92db5bcd7a38bc94ca74ea2463d5a3798b58157897d8b9b', 357582],
  ['dev-context-vi-question-en.json', '734e5f1c34266c3c2fbbceab254f499740414479c3d3c5c7cd8f7bc1fcd24f0f', 924139],
  ['dev-context-vi-question-es.json', 'fa1ff37ae0c5e54995fd4c2fd9a8879253ea84610866f205fbfb96d0c80a30cc', 357249],
  ['dev-context-vi-question-hi.json', '952b0392e1ae2e81f498eed2578a4b697f96d1f8ddaea16b3e8b74dc949fa86f', 345918],
  ['dev-context-vi-question-vi.json', '51ad1550db566e224e5ac8c149234d022bac92a68c32e38b4c3c83fc31e34e81', 949841],
  ['dev-context-vi-question-zh.json', '7c27ba4ac47a219ba1e84bfa85b6f1db4b4f9e4fd6042c908de8d2c3a8c5b64f', 371515],
  ['dev-context-zh-question-ar.json', '149c157ed03c851a9bc7aa0054f927e8278f0772023b6c6f0ea18f4cf0933785', 291609],
  ['dev-context-zh-question-de.json', 'cf2a2d38f0330e296931b287d403c03c02a55a63c4c4c3da12f197b2f52d4516', 270614],
  ['dev-context-zh-question-en.json', '24a6514c9a86b07020a3a952738f2df57844960a300c0a5eb72b99ea7182db5e', 712392],
  ['dev-context-zh-question-es.json', '2d7de3e88893ccd5e3388aa573e6bb18428281503a6d3679e11e0bb0163c2c11', 240069],
  ['dev-context-zh-question-hi.json', 'cc6f9cfb69165101d36eb97ce7577fa9cd61a235dfc90ab3201922c73dd091ac', 295808],
  ['dev-context-zh-question-vi.json', 'bbd03f48e28c441186960558499f0e9481eba249cc66e42256ed3b6397db0322', 297627],
  ['dev-context-zh-question-zh.json', '8fad23a8bb5618361209c04313218eff96139682006ff533f8533eb3f2691486', 731096],
];

const XQUAD_R_FILES: readonly Row[] = [
  ['ar.json', 'c52922d3b8ac1ae03ed5ac38647ad59870dca3dda2beefe18ecdc30729acb69d', 2234875],
  ['de.json', '16fb0f4bf4916154b585a20c24c66074591c9718a1affe764ff4697572328949', 732156],
  ['el.json', '163fd43ee785a30eb534ae2061e9eaa766a7ee4e8ffce5e4b422480c150f64b6', 2810127],
  ['en.json', '7b0954f39297c27a31fef610f0883337dd2907fa8699151dc922afdd0fa12ffe', 628651],
  ['es.json', 'f8e836b2d91009c4363e04315f7ede363eedbbb49c67dda60de6c4aa782f58de', 746335],
  ['hi.json', 'ea45ba8ae4513d1533b222bebdc02a90bc319c055d3aeea68584a053d2e92872', 2408404],
  ['ru.json', '7f4dff853538b9a5fcc28c070b8bb983a5c5d190ac747b8e005a1ada9cab18f1', 2764904],
  ['th.json', 'c3a041864c3a9fb0b4dd91cfdf99cf36b411b3e704c58a303c97bc6dc786cfe4', 2618544],
  ['tr.json', 'f3e8c13002bbce154a4578f535f7533cb70f3da08840e6b62735935baec7bd94', 827827],
  ['vi.json', 'e35926bf5cc6fc6ecbdfca49467aabeb454f08d152d7818143a906bd31dde995', 1132303],
  ['zh.json', '80c2cde7b9c2fb134c303cbb52f2ba396ead9eb0014aec43993543d2ba9e93ed', 959291],
];

const MLQA_R_FILES: readonly Row[] = [
  ['ar.json', '2132fbc03208535c0fe01f2e2c5121d06f9c2aa799af93b0a719dbc105bdf137', 3329081],
  ['de.json', 'ce9454dc5aa6f2d85c23cd6e49cb367fbb7c4c6e62d7f71e355c6b5dae4d0886', 887185],
  ['en.json', 'fedd9a5cc0848dda80caf84aa36f482adaae230526a3f6e9e86926a93ef3b1e4', 2251129],
  ['es.json', '70ecba276b8c96a692b120693a595d076ce94ad21d4b28311538a9fcbfe0f9d7', 819818],
  ['hi.json', '4dd0fb3c06f737a5481d705bc1dcac7876712a5815c9265908fbb3a0696cb654', 3179023],
  ['vi.json', '9d3baff6ba03e6793b25594217265ea59a136b9733833dca8a9582a84a78ff85', 1807239],
  ['zh.json', '57f01d2fff50cf3392805635b01445339f225ad5bf28ba8443b12f8dbd1e69dc', 1360698],
];

const MUSE_FILES: readonly Row[] = [
  ['en-ar.tsv', '8df3a28bebc96efdebab3f016cb9ff9ce569fd2f081d439f0f7d0c6281dfc458', 659572],
  ['en-de.tsv', '82452cd1441e878f61663b0823592a00d80f3b27b91cf2276a12e3f7d4e0d514', 1742131],
  ['en-el.tsv', '7c589855ab9f616b5d813af13a6c50c3405cf8123fd632c1094a6a40b69fac25', 1300593],
  ['en-es.tsv', '3c05a2241d8e8d265e67e8bbeb33fefc68af35897b51442edef406cf43ebb433', 1891373],
  ['en-fr.tsv', '152028d9130fb4204d5521f9e2a7b9ba4cef68273f8d25dc6afdaf356b225273', 1857759],
  ['en-hi.tsv', 'e6a06158bbd5b23d326083b542c0f839020e2a01413a46db0658c2c08c4e81ea', 930856],
  ['en-ru.tsv', '670b214e39458990ab17478f98ca69fc789a904776e57085e77c21378b3f8548', 1231068],
  ['en-th.tsv', '4b82805f535bb625e3fbcff22829948bcf05fede09dde1341e9e3a899433ccdb', 451698],
  ['en-tr.tsv', '7b6cb0198b562cadee968e06034c192c927e509e14e67bf149eea725f98346c6', 1080203],
  ['en-vi.tsv', 'bb81736f22df681ac54a24ee3fcdb691e1c7d7541725354d2e460d7c91a5298e', 1180458],
  ['en-zh.tsv', 'c77b85788b8998bc317ad6f515012d4e00b508dd5d36d33f2095272a75a90755', 578617],
];

const XNLI_DEV_FILES: readonly Row[] = [
  ['dev-ar.tsv', '234237be8250fbdf4eafeae06f7d65f33ae02fc6a9c502f2fa67fb7c1ed0aaa6', 628017],
  ['dev-bg.tsv', '1137999816dc8c7f0fbfa16f5542d4c38bc8018d9c03bab1cb14a7db69753a27', 769081],
  ['dev-de.tsv', 'cc72840e5daa08a8f2f7bf780de1d8a81ad035ac21cb8308e3a66f0c48342838', 489623],
  ['dev-el.tsv', 'ad9730e84ef2943d20ab96f31a5b62812fa19744cc4494498ea8deea3a288950', 836245],
  ['dev-en.tsv', '7e7ac6fe0b84ce13517710e2c3edfc9371076059f44ff6e1090e6eb82439a8b2', 428483],
  ['dev-es.tsv', 'eadee2bff6f31f9b271cb4668351ec089301ec258a4138367679faa5c3495da6', 473442],
  ['dev-fr.tsv', '58db1c233ec2833542cc6671255e688b1db44238f33f7080919910da6b6b4e5b', 505115],
  ['dev-hi.tsv', '911c4dc546d50642a62e2363f18598988feb56e885f28e1052314788a7a41ac7', 1018934],
  ['dev-ru.tsv', 'fcc3ac697104165aca0355fdf850c079adec3de67dd7ba689ffc79314ea6d42e', 781459],
  ['dev-sw.tsv', 'f81755c66d97564cbc70598cb006f63baaf8e6156de18f89ff9fe86f154f8cfa', 424869],
  ['dev-th.tsv', '8632d6380c0a440ad16788dedde1b832b7fbedc6ae161fff4613830c00dccace', 1056179],
  ['dev-tr.tsv', 'f94f63d8ef4fcf78d2a90df3682a54b52ace625caaf8fae4436e2137da184696', 454328],
  ['dev-ur.tsv', 'ebd30b594a2c5e33e5d99117a5090dbc9b96bc8cab4c8c50eeb51baf5278ffac', 694972],
  ['dev-vi.tsv', '8cb3648cacceb056fda51313560d50ed2e7567c55493d5e16158a93245db84be', 585699],
  ['dev-zh.tsv', '9a1e2df22ad00831698698da699fcdcd4e4c72192e6d8b5feed3126dbb287873', 379871],
];

function files(
  dataset: DatasetId,
  rows: readonly Row[],
  license: License,
  format: FileFormat,
  remote: (name: string) => RemoteLocation,
): SourceFile[] {
  return rows.map(([name, sha256, bytes]) => ({
    dataset,
    name,
    path: `${dataset}/${name}`,
    sha256,
    bytes,
    license,
    format,
    remote: remote(name),
  }));
}

const MiB = 1024 * 1024;

export const DATASETS: Readonly<Record<DatasetId, DatasetSource>> = {
  'mlqa-dev': {
    id: 'mlqa-dev',
    title: 'MLQA v1, dev split (49 context/question language pairs)',
    license: CC_BY_SA_3,
    format: 'squad-json',
    citation:
      'Lewis, Oğuz, Rinott, Riedel & Schwenk (2019). MLQA: Evaluating Cross-lingual Extractive Question Answering. arXiv:1910.07475.',
    homepage: 'https://github.com/facebookresearch/MLQA',
    // The official zip (dev + test) is ~75 MB; the bound leaves room without allowing an endless stream.
    maxDownloadBytes: 512 * MiB,
    files: files('mlqa-dev', MLQA_DEV_FILES, CC_BY_SA_3, 'squad-json', (name) => ({
      kind: 'zip-entry',
      origin: FB_FILES,
      path: 'MLQA/MLQA_V1.zip',
      entry: `MLQA_V1/dev/${name}`,
    })),
  },
  'xquad-r': {
    id: 'xquad-r',
    title: 'XQuAD-R (LAReQA retrieval version of XQuAD), 11 languages',
    license: CC_BY_SA_4,
    format: 'squad-json+sentences',
    citation:
      'Roy, Constant, Al-Rfou, Barua, Phillips & Yang (2020). LAReQA: Language-agnostic answer retrieval from a multilingual pool. arXiv:2004.05484.',
    homepage: 'https://github.com/google-research-datasets/lareqa',
    maxDownloadBytes: 64 * MiB,
    files: files('xquad-r', XQUAD_R_FILES, CC_BY_SA_4, 'squad-json+sentences', (name) => ({
      kind: 'file',
      origin: GITHUB_RAW,
      path: `google-research-datasets/lareqa/master/xquad-r/${name}`,
    })),
  },
  'mlqa-r': {
    id: 'mlqa-r',
    title: 'MLQA-R (LAReQA retrieval version of the MLQA dev set), 7 languages — withdrawn upstream, from git history',
    license: CC_BY_NC_4,
    format: 'squad-json+sentences',
    citation:
      'Roy, Constant, Al-Rfou, Barua, Phillips & Yang (2020). LAReQA: Language-agnostic answer retrieval from a multilingual pool. arXiv:2004.05484; and the MLQA paper (arXiv:1910.07475).',
    homepage: 'https://github.com/google-research-datasets/lareqa',
    maxDownloadBytes: 64 * MiB,
    files: files('mlqa-r', MLQA_R_FILES, CC_BY_NC_4, 'squad-json+sentences', (name) => ({
      kind: 'file',
      origin: GITHUB_RAW,
      path: `google-research-datasets/lareqa/${LAREQA_MLQA_R_COMMIT}/mlqa-r/${name}`,
    })),
  },
  muse: {
    id: 'muse',
    title: 'MUSE ground-truth bilingual dictionaries (full), English → 11 languages',
    license: CC_BY_NC_4,
    format: 'tsv-src-tgt',
    citation:
      'Conneau, Lample, Ranzato, Denoyer & Jégou (2017). Word Translation Without Parallel Data. arXiv:1710.04087.',
    homepage: 'https://github.com/facebookresearch/MUSE',
    maxDownloadBytes: 64 * MiB,
    files: files('muse', MUSE_FILES, CC_BY_NC_4, 'tsv-src-tgt', (name) => ({
      kind: 'muse-text',
      origin: FB_FILES,
      path: `arrival/dictionaries/${name.replace(/\.tsv$/, '.txt')}`,
    })),
  },
  'xnli-dev': {
    id: 'xnli-dev',
    title: 'XNLI 1.0, dev split, 15 languages (XTREME per-language TSV: premise, hypothesis, label)',
    license: CC_BY_NC_4,
    format: 'tsv-premise-hypothesis-label',
    citation:
      'Conneau, Rinott, Lample, Williams, Bowman, Schwenk & Stoyanov (2018). XNLI: Evaluating Cross-lingual Sentence Representations. EMNLP. arXiv:1809.05053.',
    homepage: 'https://github.com/facebookresearch/XNLI',
    maxDownloadBytes: 64 * MiB,
    files: files('xnli-dev', XNLI_DEV_FILES, CC_BY_NC_4, 'tsv-premise-hypothesis-label', (name) => ({
      kind: 'file',
      origin: GITHUB_RAW,
      path: `${XNLI_MIRROR}/${XNLI_MIRROR_COMMIT}/data/xnli/${name}`,
    })),
  },
};

/** The URL a remote location is fetched from: the official origin, or the same path under a mirror. */
export function remoteUrl(location: RemoteLocation, baseUrl?: string): string {
  const base = (baseUrl ?? location.origin).replace(/\/+$/, '');
  return `${base}/${location.path}`;
}

/** Human-readable source of a whole dataset for sources.json: the folder (or archive) its files come from. */
export function datasetRemoteUrl(dataset: DatasetSource, baseUrl?: string): string {
  const first = dataset.files[0].remote;
  if (first.kind === 'zip-entry') return remoteUrl(first, baseUrl);
  const url = remoteUrl(first, baseUrl);
  return url.slice(0, url.lastIndexOf('/') + 1);
}
