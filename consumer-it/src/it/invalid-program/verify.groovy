// The processor rejects the program: the error sits on the line of the wrong @Lower and names the fix.
def log = new File(basedir, 'build.log').text
assert log.contains('BUILD FAILURE')
assert log =~ /Learner\.java:\[18,5\] Cycle among lower-to-upper \(@Lower\) edges: Learner -> Tuner -> Learner/
assert log.contains('Fix: remove one @Lower of the cycle, or turn it into @Upper.')
assert !new File(basedir, 'target/classes/sample/bad/TunerEngine.class').exists()
return true
