// The generated main compiled from the installed processor and ran its outer steps.
def log = new File(basedir, 'build.log').text
assert new File(basedir, 'target/generated-sources/annotations/sample/hpo/TunerEngine.java').isFile()
assert log.contains('BUILD SUCCESS')
assert log.contains('Tuner: 2 problems, leaves [Learner]')
assert log.contains('Tuner: 2 problems, leaves [Learner], 3 global steps')

// No test framework on the user's class path, and DJL at the version the runtime is built with.
def classpath = new File(basedir, 'runtime-classpath.txt').text
assert classpath.contains("org.betty4j:betty4j-runtime:jar:${bettyVersion}:compile")
assert classpath.contains("ai.djl:api:jar:${djlVersion}:compile")
['junit', 'opentest4j', 'mockito', 'hamcrest', 'assertj'].each { framework ->
    assert !classpath.toLowerCase().contains(framework): "test framework on the runtime class path: $framework\n$classpath"
}
return true
