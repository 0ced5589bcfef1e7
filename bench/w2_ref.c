/* w2_ref.c -- a hand-written C reference for workload W2 ("poly"), one
 * file, C99, no dependencies but libm. It renders bench/workloads/w2_poly.csv
 * (256 voices, 60 s, 48 kHz stereo) with table 1 of tables.csv:
 *
 *   table oscillator (4096 points + guard, linear interpolation, 32-bit phase)
 *   -> RBJ low-pass biquad (the CSV's b0 b1 b2 a1 a2, a0 = 1, float state)
 *   -> linear ADSR, the release inside the note (Csound's adsr)
 *   -> amp -> equal-power pan (cos, sin of pan * pi/2) -> stereo sum
 *
 * and prints the RMS level of the whole render (every sample of both
 * channels, 0 dBFS = 1.0), so that its sound can be checked against the
 * other engines'. No intrinsics: whatever SIMD there is comes from the
 * compiler. Two loop orders:
 *
 *   --order block  for each 64-frame block, for each voice, for each frame:
 *                  how engines usually run (the biquad is a serial chain)
 *   --order soa    for each frame, for each voice, the voices' state in
 *                  structure-of-arrays form, branch-free, so the voice loop
 *                  vectorises across voices; build it with
 *                  -O3 -march=native -ffast-math (the mix is a sum, which
 *                  only -ffast-math lets the compiler reorder)
 *
 *   gcc -O3 -o w2_ref bench/w2_ref.c -lm
 *   ./w2_ref --dir bench/workloads --order block [--wav out.wav]
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SR = 48000, POINTS = 4096, BLOCK = 64, MAX_FIELDS = 64 };

static float table[POINTS + 1];

/* Every voice's parameters and state, one array per field. */
static struct {
    int count;
    int32_t *begin, *end;                  /* frames [begin, end) */
    uint32_t *phase, *step;                /* 32-bit phase: top 12 bits index the table */
    float *b0, *b1, *b2, *a1, *a2;         /* biquad coefficients */
    float *x1, *x2, *y1, *y2;              /* biquad state */
    float *gain_l, *gain_r;                /* amp * pan law */
    float *att_frames, *sustain;
    float *rise_slope, *fall_slope, *release_slope; /* level per frame */
} V;

static void fail(const char *what, const char *detail) {
    fprintf(stderr, "w2_ref: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

static char *read_file(const char *dir, const char *name) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) fail("cannot open", path);
    size_t cap = 1 << 16, len = 0;
    char *text = malloc(cap);
    for (size_t got; (got = fread(text + len, 1, cap - len - 1, f)) > 0;) {
        len += got;
        if (len + 1 == cap) text = realloc(text, cap *= 2);
    }
    fclose(f);
    text[len] = 0;
    return text;
}

/* Split one CSV line (modified in place) into fields; returns the count. */
static int split(char *line, char **fields) {
    int n = 0;
    for (char *p = line; n < MAX_FIELDS;) {
        fields[n++] = p;
        char *comma = strchr(p, ',');
        if (!comma) break;
        *comma = 0;
        p = comma + 1;
    }
    return n;
}

static int column(char **names, int n, const char *want) {
    for (int i = 0; i < n; i++)
        if (!strcmp(names[i], want)) return i;
    fail("w2_poly.csv has no column", want);
    return -1;
}

/* Table 1: the 4096-point sum of tables.csv's harmonics, not rescaled. */
static void build_table(const char *dir) {
    char *text = read_file(dir, "tables.csv"), *save = NULL, *fields[MAX_FIELDS];
    strtok_r(text, "\r\n", &save); /* header */
    for (char *line; (line = strtok_r(NULL, "\r\n", &save));) {
        int n = split(line, fields);
        if (atoi(fields[0]) != 1) continue;
        for (int i = 0; i < POINTS; i++) {
            double sum = 0.0;
            for (int h = 1; h + 1 < n; h++)
                sum += strtod(fields[h + 1], NULL) * sin(2.0 * M_PI * h * i / POINTS);
            table[i] = (float)sum;
        }
        table[POINTS] = table[0];
        free(text);
        return;
    }
    fail("tables.csv has no table", "1");
}

#define ALLOC(field, n) (V.field = calloc((size_t)(n), sizeof *V.field))

static void read_voices(const char *dir) {
    char *text = read_file(dir, "w2_poly.csv"), *save = NULL, *names[MAX_FIELDS], *f[MAX_FIELDS];
    int lines = 0;
    for (char *p = text; *p; p++) lines += *p == '\n';
    ALLOC(begin, lines); ALLOC(end, lines); ALLOC(phase, lines); ALLOC(step, lines);
    ALLOC(b0, lines); ALLOC(b1, lines); ALLOC(b2, lines); ALLOC(a1, lines); ALLOC(a2, lines);
    ALLOC(x1, lines); ALLOC(x2, lines); ALLOC(y1, lines); ALLOC(y2, lines);
    ALLOC(gain_l, lines); ALLOC(gain_r, lines); ALLOC(att_frames, lines); ALLOC(sustain, lines);
    ALLOC(rise_slope, lines); ALLOC(fall_slope, lines); ALLOC(release_slope, lines);
    char *header = strtok_r(text, "\r\n", &save);
    if (!header) fail("w2_poly.csv is empty", NULL);
    int nc = split(header, names);
    int c_start = column(names, nc, "start"), c_dur = column(names, nc, "dur");
    int c_amp = column(names, nc, "amp"), c_freq = column(names, nc, "freq");
    int c_att = column(names, nc, "att"), c_dec = column(names, nc, "dec");
    int c_sus = column(names, nc, "sus"), c_rel = column(names, nc, "rel");
    int c_b0 = column(names, nc, "b0"), c_pan = column(names, nc, "pan");
    for (char *line; (line = strtok_r(NULL, "\r\n", &save));) {
        if (split(line, f) != nc) fail("w2_poly.csv: a row with the wrong field count", line);
        int v = V.count++;
        double start = strtod(f[c_start], NULL), dur = strtod(f[c_dur], NULL);
        double amp = strtod(f[c_amp], NULL), pan = strtod(f[c_pan], NULL);
        if (start < 0 || dur <= 0 || start + dur > 40000.0) fail("w2_poly.csv: start/dur", line);
        V.begin[v] = (int32_t)llround(start * SR);
        V.end[v] = (int32_t)llround((start + dur) * SR);
        V.step[v] = (uint32_t)llround(strtod(f[c_freq], NULL) / SR * 4294967296.0);
        float *coef[5] = {&V.b0[v], &V.b1[v], &V.b2[v], &V.a1[v], &V.a2[v]};
        for (int k = 0; k < 5; k++) *coef[k] = (float)strtod(f[c_b0 + k], NULL);
        V.gain_l[v] = (float)(amp * cos(pan * M_PI / 2));
        V.gain_r[v] = (float)(amp * sin(pan * M_PI / 2));
        double att = strtod(f[c_att], NULL) * SR, dec = strtod(f[c_dec], NULL) * SR;
        double sus = strtod(f[c_sus], NULL), rel = strtod(f[c_rel], NULL) * SR;
        V.att_frames[v] = (float)att;
        V.sustain[v] = (float)sus;
        V.rise_slope[v] = (float)(1.0 / att);
        V.fall_slope[v] = (float)((1.0 - sus) / dec);
        V.release_slope[v] = (float)(sus / rel);
    }
    free(text);
}

static inline float lookup(uint32_t phase) {
    uint32_t i = phase >> 20;
    float frac = (float)(phase & 0xFFFFFu) * (1.0f / 1048576.0f);
    return table[i] + frac * (table[i + 1] - table[i]);
}

/* The ADSR level `age` frames after the start and `left` frames before the
   end: the lowest of the rising, falling and releasing lines, the falling
   one held at the sustain level (lines, so no branch on the segment). */
static inline float lower(float a, float b) { return a < b ? a : b; } /* fminf is a libm */
static inline float higher(float a, float b) { return a > b ? a : b; } /* call at plain -O3 */

static inline float adsr(float age, float left, float att, float rise, float fall, float sus,
                         float release) {
    float held = higher(1.0f - fall * (age - att), sus);
    return higher(lower(lower(age * rise, held), left * release), 0.0f);
}

/* Block order: one voice at a time through the whole block. */
static void block_order(int64_t t0, int frames, float *left, float *right) {
    float sig[BLOCK];
    for (int v = 0; v < V.count; v++) {
        int from = V.begin[v] > t0 ? (int)(V.begin[v] - t0) : 0;
        int to = V.end[v] < t0 + frames ? (int)(V.end[v] - t0) : frames;
        if (from >= to) continue;
        uint32_t ph = V.phase[v], step = V.step[v];
        for (int i = from; i < to; i++, ph += step) sig[i] = lookup(ph);
        V.phase[v] = ph;
        float b0 = V.b0[v], b1 = V.b1[v], b2 = V.b2[v], a1 = V.a1[v], a2 = V.a2[v];
        float x1 = V.x1[v], x2 = V.x2[v], y1 = V.y1[v], y2 = V.y2[v];
        for (int i = from; i < to; i++) {
            /* the y1 feedback last: one multiply-subtract from one output to the next */
            float y = (b0 * sig[i] + b1 * x1 + b2 * x2 - a2 * y2) - a1 * y1;
            x2 = x1, x1 = sig[i], y2 = y1, y1 = y;
            sig[i] = y;
        }
        V.x1[v] = x1, V.x2[v] = x2, V.y1[v] = y1, V.y2[v] = y2;
        float age = (float)(t0 - V.begin[v]), rest = (float)(V.end[v] - t0);
        float att = V.att_frames[v], rise = V.rise_slope[v], fall = V.fall_slope[v];
        float sus = V.sustain[v], release = V.release_slope[v];
        float gl = V.gain_l[v], gr = V.gain_r[v];
        for (int i = from; i < to; i++) {
            float s = sig[i] * adsr(age + i, rest - i, att, rise, fall, sus, release);
            left[i] += s * gl;
            right[i] += s * gr;
        }
    }
}

/* Structure-of-arrays order: one frame at a time through every voice; a
   voice outside its life is masked (its input and output are 0). Every
   array is a restrict parameter of a function that is not inlined: that is
   what lets GCC prove the table reads (gathers) independent of the stores. */
__attribute__((noinline)) static void soa_frames(
    int64_t t0, int frames, float *restrict left, float *restrict right, int n,
    const float *restrict tab, const int32_t *restrict begin, const int32_t *restrict end,
    const uint32_t *restrict step, uint32_t *restrict phase,
    const float *restrict b0, const float *restrict b1, const float *restrict b2,
    const float *restrict a1, const float *restrict a2, float *restrict x1,
    float *restrict x2, float *restrict y1, float *restrict y2,
    const float *restrict att, const float *restrict sus, const float *restrict rise,
    const float *restrict fall, const float *restrict release,
    const float *restrict gl, const float *restrict gr) {
    for (int i = 0; i < frames; i++) {
        const int32_t t = (int32_t)(t0 + i);
        float l = 0.0f, r = 0.0f;
        for (int v = 0; v < n; v++) {
            int live = (t >= begin[v]) & (t < end[v]);
            uint32_t ph = phase[v];
            int k = (int)(ph >> 20);
            float frac = (float)(ph & 0xFFFFFu) * (1.0f / 1048576.0f);
            float wave = tab[k] + frac * (tab[k + 1] - tab[k]);
            float x = live ? wave : 0.0f;
            phase[v] = ph + (live ? step[v] : 0u);
            /* before its start a voice's filter sees silence and stays at 0;
               after its end it runs on, unheard: no conditional stores */
            float y = (b0[v] * x + b1[v] * x1[v] + b2[v] * x2[v] - a2[v] * y2[v]) - a1[v] * y1[v];
            x2[v] = x1[v];
            x1[v] = x;
            y2[v] = y1[v];
            y1[v] = y;
            float env = adsr((float)(t - begin[v]), (float)(end[v] - t), att[v], rise[v], fall[v],
                             sus[v], release[v]);
            float s = live ? y * env : 0.0f;
            l += s * gl[v];
            r += s * gr[v];
        }
        left[i] = l;
        right[i] = r;
    }
}

static void soa_order(int64_t t0, int frames, float *left, float *right) {
    soa_frames(t0, frames, left, right, V.count, table, V.begin, V.end, V.step, V.phase, V.b0,
               V.b1, V.b2, V.a1, V.a2, V.x1, V.x2, V.y1, V.y2, V.att_frames, V.sustain,
               V.rise_slope, V.fall_slope, V.release_slope, V.gain_l, V.gain_r);
}

static void put32(unsigned char *p, uint32_t x) {
    for (int k = 0; k < 4; k++) p[k] = (unsigned char)(x >> (8 * k));
}

/* A 44-byte header of a stereo 32-bit float WAV of `frames` frames. */
static void wav_header(FILE *f, int64_t frames) {
    unsigned char h[44] = "RIFF....WAVEfmt ....\3\0\2\0........\10\0\40\0data....";
    uint32_t bytes = (uint32_t)(frames * 8);
    put32(h + 4, 36 + bytes);
    put32(h + 16, 16);
    put32(h + 24, SR);
    put32(h + 28, SR * 8);
    put32(h + 40, bytes);
    fwrite(h, 1, 44, f);
}

int main(int argc, char **argv) {
    const char *dir = "bench/workloads", *order = "block", *wav = NULL;
    for (int i = 1; i < argc; i++) {
        if (i + 1 < argc && !strcmp(argv[i], "--dir")) dir = argv[++i];
        else if (i + 1 < argc && !strcmp(argv[i], "--order")) order = argv[++i];
        else if (i + 1 < argc && !strcmp(argv[i], "--wav")) wav = argv[++i];
        else fail("usage: w2_ref [--dir WORKLOADS] [--order block|soa] [--wav FILE]", NULL);
    }
    int soa = !strcmp(order, "soa");
    if (!soa && strcmp(order, "block")) fail("--order must be block or soa, not", order);
    build_table(dir);
    read_voices(dir);
    int64_t total = 0;
    for (int v = 0; v < V.count; v++) total = V.end[v] > total ? V.end[v] : total;
    FILE *out = wav ? fopen(wav, "wb") : NULL;
    if (wav && !out) fail("cannot write", wav);
    if (out) wav_header(out, total);
    double power = 0.0, peak = 0.0;
    for (int64_t t0 = 0; t0 < total; t0 += BLOCK) {
        int frames = total - t0 < BLOCK ? (int)(total - t0) : BLOCK;
        float left[BLOCK] = {0}, right[BLOCK] = {0}, both[2 * BLOCK];
        (soa ? soa_order : block_order)(t0, frames, left, right);
        for (int i = 0; i < frames; i++) {
            power += (double)left[i] * left[i] + (double)right[i] * right[i];
            peak = fmax(peak, fmax(fabs(left[i]), fabs(right[i])));
            both[2 * i] = left[i], both[2 * i + 1] = right[i];
        }
        if (out) fwrite(both, sizeof(float), 2 * (size_t)frames, out);
    }
    if (out) fclose(out);
    printf("w2_ref order=%s voices=%d frames=%lld peak=%.6f rms_dbfs=%.4f\n", order, V.count,
           (long long)total, peak, 10.0 * log10(power / (2.0 * (double)total)));
    return 0;
}
