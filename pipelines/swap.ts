// The swapped study (`npm run pipeline -- --pipeline swap`): train on XQuAD (11 languages), evaluate on MLQA-R
// (7 languages). The questions of the two never overlap; the pairs stage refuses combinations that would. Every other
// node, the profiles and the printed answer are the study's (pipelines/study-graph.ts).
import { XQUAD_LANGS } from '../stages/pairs/index.ts';
import { studyPipeline } from './study-graph.ts';

export default studyPipeline({
  name: 'swap',
  description: 'The study with its data swapped: XQuAD training pairs → MLQA-R evaluation',
  pairs: { train: 'xquad', eval: 'mlqa-r', trainLanguages: [...XQUAD_LANGS] },
});
