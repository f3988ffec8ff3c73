/*
 * PostGraphile 5 asks for Node 22; the product and every other bench server run on the
 * Node the project pins (20). The one Node 22 API it uses is Promise.withResolvers,
 * supplied here, before any of its modules load, so it runs on the same Node as the rest.
 */
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new this((yes, no) => {
      resolve = yes;
      reject = no;
    });
    return { promise, resolve, reject };
  };
}
