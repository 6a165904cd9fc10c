// mowe-studio with the regression workbench: --instance parses, and --screenshot --workspace
// regression --instance FILE writes the window once the landscape, path and spectrum of that
// instance are drawn.

#include "StudioCommandLine.h"

#include <QFile>
#include <QImage>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace mowe::ui;

class RegressionStudioTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void instanceOptionParses() {
        const auto ok = parseStudioArguments({QStringLiteral("--workspace"),
                                              QStringLiteral("regression"),
                                              QStringLiteral("--instance"),
                                              QStringLiteral("inst.json")});
        QVERIFY(ok.arguments);
        QCOMPARE(ok.arguments->instance, QStringLiteral("inst.json"));
        const auto inlineForm = parseStudioArguments({QStringLiteral("--instance=a.json")});
        QVERIFY(inlineForm.arguments);
        QCOMPARE(inlineForm.arguments->instance, QStringLiteral("a.json"));
        const auto missing = parseStudioArguments({QStringLiteral("--instance")});
        QVERIFY(!missing.arguments);
        QVERIFY(missing.error.contains(QStringLiteral("--instance needs a file name")));
        QVERIFY(studioUsage().contains(QStringLiteral("--instance")));
    }

    void screenshotOfAnOpenedInstance() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString instance = dir.filePath(QStringLiteral("inst.json"));
        QProcess gen;
        gen.start(QStringLiteral(MOWE_BIN_DIR "/mowe-cli"),
                  {"regress",
                   "generate",
                   "--problem",
                   "softmax_relu",
                   "--n",
                   "30",
                   "--d",
                   "4",
                   "--seed",
                   "5",
                   "--out",
                   instance});
        QVERIFY(gen.waitForFinished(60000));
        QCOMPARE(gen.exitCode(), 0);

        const QString png = dir.filePath(QStringLiteral("shot.png"));
        QProcess studio;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), dir.filePath(QStringLiteral("config")));
        studio.setProcessEnvironment(env);
        studio.start(QStringLiteral(MOWE_BIN_DIR "/mowe-studio"),
                     {"--screenshot",
                      png,
                      "--workspace",
                      "regression",
                      "--instance",
                      instance,
                      "--size",
                      "1200x760"});
        QVERIFY(studio.waitForFinished(300000));
        QVERIFY2(studio.exitCode() == 0, studio.readAllStandardError().constData());
        const QImage image(png);
        QVERIFY(!image.isNull());
        QCOMPARE(image.size(), QSize(1200, 760));

        // A malformed instance: exit 1 with the parser's position.
        const QString bad = dir.filePath(QStringLiteral("bad.json"));
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\"problem\": ");
        f.close();
        studio.start(QStringLiteral(MOWE_BIN_DIR "/mowe-studio"),
                     {"--screenshot", png, "--workspace", "regression", "--instance", bad});
        QVERIFY(studio.waitForFinished(120000));
        QCOMPARE(studio.exitCode(), 1);
        QVERIFY(QString::fromLocal8Bit(studio.readAllStandardError())
                    .contains(QStringLiteral("line 1")));
    }
};

QTEST_MAIN(RegressionStudioTest)
#include "regression_studio_test.moc"
