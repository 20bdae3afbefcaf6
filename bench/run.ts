import { startBenchContext } from './context.js';
import { report } from './measure.js';
import { benchDailySnapshot } from './daily-snapshot.js';
import { benchRelatedAccounts } from './related-accounts.js';
import { benchStatusChange } from './status-change.js';

// `npm run bench`: each figure is printed with its ratio to a baseline measured in the same run.
const context = await startBenchContext();
try {
  const results = [
    ...(await benchStatusChange(context)),
    ...(await benchRelatedAccounts(context)),
    ...(await benchDailySnapshot(context)),
  ];
  console.log(report(results));
} finally {
  await context.stop();
}
