// The accelerator tests run one at a time: ILGPU's CPU accelerator and PoCL both keep a pool of spinning worker
// threads, and on a 2-core machine two such pools running side by side made each test 10x slower.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
