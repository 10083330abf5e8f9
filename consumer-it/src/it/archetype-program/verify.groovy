// The archetype made a project that compiles with the processor and whose generated main runs.
def log = new File(basedir, 'build.log').text
assert new File(basedir, 'demo/src/main/java/org/example/demo/Tuner.java').isFile()
assert new File(basedir, 'demo/target/classes/org/example/demo/TunerEngine.class').isFile()
def pom = new File(basedir, 'demo/pom.xml').text
assert pom.contains("<betty4j.version>${bettyVersion}</betty4j.version>")
assert pom.contains('-classpath %classpath org.example.demo.TunerEngine ${betty.args}')
assert log.contains('Tuner: 10 global steps; local steps: Learner 10, Tuner 2 (outer: Tuner)')
return true
