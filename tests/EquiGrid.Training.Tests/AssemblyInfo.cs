// TorchSharp's random generator is process-wide: trainers seeded in parallel test classes would draw from one
// another's sequence and their weights would differ from run to run. Each test here trains or seeds on its own.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
