// The generated main compiled from the installed processor and ran its outer steps.
def log = new File(basedir, 'build.log').text
assert new File(basedir, 'target/generated-sources/annotations/sample/hpo/TunerEngine.java').isFile()
assert log.contains('BUILD SUCCESS')
// --iterations 3 counts the outer problem's steps: Learner unrolls 5 steps per Tuner step
assert log.contains('Tuner: 2 problems, leaves [Learner], 15 global steps')
assert log.contains('Tuner: 15 global steps; local steps: Learner 15, Tuner 3 (outer: Tuner)')
// output fit for a log file: no progress bar, and DJL's CUDA probe warning not repeated
assert !log.contains('[=')
assert log.count('Failed to detect GPU count') <= 1

// No test framework on the user's class path, and DJL at the version the runtime is built with.
def classpath = new File(basedir, 'runtime-classpath.txt').text
assert classpath.contains("org.betty4j:betty4j-runtime:jar:${bettyVersion}:compile")
assert classpath.contains("ai.djl:api:jar:${djlVersion}:compile")
['junit', 'opentest4j', 'mockito', 'hamcrest', 'assertj'].each { framework ->
    assert !classpath.toLowerCase().contains(framework): "test framework on the runtime class path: $framework\n$classpath"
}
return true
