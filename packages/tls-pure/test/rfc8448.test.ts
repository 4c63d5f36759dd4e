/**
 * RFC 8448's published TLS 1.3 traces, checked against the key schedule, transcript, X25519 /
 * P-256 agreement, record protection (node:crypto's AEAD and tls-openssl's, @unitls/tls-openssl/aead)
 * and CertificateVerify verification. Values are the RFC's (sections 3, 4 and 5).
 */
import { X509Certificate } from 'node:crypto';
import { withOpenSSLAead } from '@unitls/tls-openssl/aead';
import { describe, expect, it } from 'vitest';
import { ContentType, HandshakeType } from '../src/codec/constants.js';
import { decodeCertificate, decodeClientHello, decodeServerHello } from '../src/codec/messages.js';
import { nodeCryptoProvider as provider } from '../src/crypto/node.js';
import { certificateVerifyContent } from '../src/handshake/common.js';
import { KeySchedule } from '../src/handshake/key-schedule.js';
import { Transcript } from '../src/handshake/transcript.js';
import { RecordProtection } from '../src/record/protection.js';
import { RecordLayer } from '../src/record/record-layer.js';

const h = (hex: string) => Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

// Section 3, simple 1-RTT handshake.
const CH = h('010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7000006130113031302010000910000000b0009000006736572766572ff01000100000a00140012001d0017001800190100010101020103010400230000003300260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c002b0003020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101001c00024001');
const SH = h('020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e2692800130100002e00330024001d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304');
const EE = h('080000240022000a00140012001d00170018001901000101010201030104001c0002400100000000');
const CERT = h('0b0001b9000001b50001b0308201ac30820115a003020102020102300d06092a864886f70d01010b0500300e310c300a06035504031303727361301e170d3136303733303031323335395a170d3236303733303031323335395a300e310c300a0603550403130372736130819f300d06092a864886f70d010101050003818d0030818902818100b4bb498f8279303d980836399b36c6988c0c68de55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced43120998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a8002c47428a6d35a8d88d79f7f1e3f0203010001a31a301830090603551d1304023000300b0603551d0f0404030205a0300d06092a864886f70d01010b05000381810085aad2a0e5b9276b908c65f73a7267170618a54c5f8a7b337d2df7a594365417f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102702e608ccae6bec1fc63a42a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187b42b4de10000');
const CV = h('0f000084080400805a747c5d88fa9bd2e55ab085a61015b7211f824cd484145ab3ff52f1fda8477b0b7abc90db78e2d33a5c141a078653fa6bef780c5ea248eeaaa785c4f394cab6d30bbe8d4859ee511f602957b15411ac027671459e46445c9ea58c181e818e95b8c3fb0bf3278409d3be152a3da5043e063dda65cdf5aea20d53dfacd42f74f3');
const SF = h('140000209b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718');
const CF = h('14000020a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61');
const NST = h('040000c90000001efad6aac502000000b22c035d829359ee5ff7af4ec900000000262a6494dc486d2c8a34cb33fa90bf1b0070ad3c498883c9367c09a2be785abc55cd226097a3a982117283f82a03a143efd3ff5dd36d64e861be7fd61d2827db279cce145077d454a3664d4e6da4d29ee03725a6a4dafcd0fc67d2aea70529513e3da2677fa5906c5b3f7d8f92f228bda40dda721470f9fbf297b5aea617646fac5c03272e970727c621a79141ef5f7de6505e5bfbc388e93343694093934ae4d3570008002a000400000400');

const SERVER_FLIGHT_RECORD = h(`170303 02a2 d1ff334a56f5bff6594a07cc87b580233f500f45e489e7f33af35edf7869fcf40aa40aa2b8ea73f848a7ca07612ef9f945cb960b4068905123ea78b111b429ba9191cd05d2a389280f526134aadc7fc78c4b729df828b5ecf7b13bd9aefb0e57f271585b8ea9bb355c7c79020716cfb9b1183ef3ab20e37d57a6b9d7477609aee6e122a4cf51427325250c7d0e509289444c9b3a648f1d71035d2ed65b0e3cdd0cbae8bf2d0b227812cbb360987255cc744110c453baa4fcd610928d809810e4b7ed1a8fd991f06aa6248204797e36a6a73b70a2559c09ead686945ba246ab66e5edd8044b4c6de3fcf2a89441ac66272fd8fb330ef8190579b3684596c960bd596eea520a56a8d650f563aad27409960dca63d3e688611ea5e22f4415cf9538d51a200c27034272968a264ed6540c84838d89f72c24461aad6d26f59ecaba9acbbb317b66d902f4f292a36ac1b639c637ce343117b659622245317b49eeda0c6258f100d7d961ffb138647e92ea330faeea6dfa31c7a84dc3bd7e1b7a6c7178af36879018e3f252107f243d243dc7339d5684c8b0378bf30244da8c87c843f5e56eb4c5e8280a2b48052cf93b16499a66db7cca71e4599426f7d461e66f99882bd89fc50800becca62d6c74116dbd2972fda1fa80f85df881edbe5a37668936b335583b599186dc5c6918a396fa48a181d6b6fa4f9d62d513afbb992f2b992f67f8afe67f76913fa388cb5630c8ca01e0c65d11c66a1e2ac4c85977b7c7a6999bbf10dc35ae69f5515614636c0b9b68c19ed2e31c0b3b66763038ebba42f3b38edc0399f3a9f23faa63978c317fc9fa66a73f60f0504de93b5b845e275592c12335ee340bbc4fddd502784016e4b3be7ef04dda49f4b440a30cb5d2af939828fd4ae3794e44f94df5a631ede42c1719bfdabf0253fe5175be898e750edc53370d2b`);
const CLIENT_FINISHED_RECORD = h('170303003575ec4dc238cce60b298044a71e219c56cc77b0517fe9b93c7a4bfc44d87f38f80338ac98fc46deb384bd1caeacab6867d726c40546');
const NST_RECORD = h('17030300de3a6b8f90414a97d6959c3487680de5134a2b240e6cffac116e95d41d6af8f6b580dcf3d11d63c758db289a015940252f55713e061dc13e078891a38efbcf5753ad8ef170ad3c7353d16d9da773b9ca7f2b9fa1b6c0d4a3d03f75e09c30ba1e62972ac46f75f7b981be63439b2999ce13064615139891d5e4c5b406f16e3fc181a77ca4758400' + '25db2f0a77f81b5ab05b94c01346755f69232c86519d86cbeeac87aac347d143f9605d64f650db4d023e70e952ca49fe5137121c74bc2697687e248746d6df353005f3bce18696129c8153556b3b6c6779b37bf15985684f');
const APP_DATA = h('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031');
const CLIENT_APP_RECORD = h('1703030043a23f7054b62c94d0affafe8228ba55cbefacea42f914aa66bcab3f2b9819a8a5b46b395bd54a9a20441e2b62974e1f5a6292a2977014bd1e3deae63aeebb21694915e4');
const SERVER_APP_RECORD = h('17030300432e937e11ef4ac740e538ad36005fc4a46932fc3225d05f82aa1b36e30efaf97d90e6dffc602dcb501a59a8fcc49c4bf2e5f0a21c0047c2abf332540dd032e167c2955d');

function simpleSchedule() {
  const client = provider.keyExchange(0x001d, h('49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005'));
  const server = provider.keyExchange(0x001d, h('b1580eeadf6dd589b8ef4f2d5652578cc810e9980191ec8d058308cea216a21e'));
  const transcript = new Transcript();
  transcript.add(CH);
  transcript.start(provider, 'sha256');
  transcript.add(SH);
  const schedule = new KeySchedule(provider, 'sha256');
  return { client, server, transcript, schedule };
}

describe('RFC 8448 §3: simple 1-RTT handshake', () => {
  it('agrees on the X25519 secret from the published private keys', () => {
    const { client, server } = simpleSchedule();
    expect(hex(client.publicKey)).toBe('99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c');
    expect(hex(server.publicKey)).toBe('c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f');
    expect(hex(client.agree(server.publicKey))).toBe('8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d');
    expect(hex(server.agree(client.publicKey))).toBe('8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d');
  });

  it('parses the published ClientHello and ServerHello', () => {
    const hello = decodeClientHello(CH.subarray(4));
    expect(hello.cipherSuites).toEqual([0x1301, 0x1303, 0x1302]);
    expect(hello.extensions.map((e) => e.type)).toEqual([0, 0xff01, 10, 35, 51, 43, 13, 45, 28]);
    const server = decodeServerHello(SH.subarray(4));
    expect(server.cipherSuite).toBe(0x1301);
  });

  it('derives every secret, key and Finished of the trace', () => {
    const { client, server, transcript, schedule } = simpleSchedule();
    expect(hex(schedule.current)).toBe('33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a');
    schedule.inputSharedSecret(client.agree(server.publicKey));
    expect(hex(schedule.current)).toBe('1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac');
    expect(hex(transcript.current())).toBe('860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8');
    const cHs = schedule.derive('c hs traffic', transcript.current());
    const sHs = schedule.derive('s hs traffic', transcript.current());
    expect(hex(cHs)).toBe('b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21');
    expect(hex(sHs)).toBe('b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38');
    expect(schedule.trafficKeys(sHs, 16)).toEqual({ key: h('3fce516009c21727d0f2e4e86ee403bc'), iv: h('5d313eb2671276ee13000b30') });
    expect(schedule.trafficKeys(cHs, 16)).toEqual({ key: h('dbfaa693d1762c5b666af5d950258d01'), iv: h('5bd3c71b836e0b76bb73265f') });
    for (const m of [EE, CERT, CV]) transcript.add(m);
    expect(hex(schedule.finishedVerifyData(sHs, transcript.current()))).toBe(hex(SF.subarray(4)));
    transcript.add(SF);
    schedule.toMaster();
    expect(hex(schedule.current)).toBe('18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919');
    const cAp = schedule.derive('c ap traffic', transcript.current());
    const sAp = schedule.derive('s ap traffic', transcript.current());
    expect(hex(cAp)).toBe('9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5');
    expect(hex(sAp)).toBe('a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643');
    expect(hex(schedule.derive('exp master', transcript.current()))).toBe('fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50');
    expect(schedule.trafficKeys(sAp, 16)).toEqual({ key: h('9f02283b6c9c07efc26bb9f2ac92e356'), iv: h('cf782b88dd83549aadf1e984') });
    expect(schedule.trafficKeys(cAp, 16)).toEqual({ key: h('17422dda596ed5d9acd890e3c63f5051'), iv: h('5b78923dee08579033e523d9') });
    expect(hex(schedule.finishedVerifyData(cHs, transcript.current()))).toBe(hex(CF.subarray(4)));
    transcript.add(CF);
    const resumption = schedule.derive('res master', transcript.current());
    expect(hex(resumption)).toBe('7df235f2031d2a051287d02b0241b0bfdaf86cc856231f2d5aba46c434ec196c');
    expect(hex(schedule.resumptionPsk(resumption, h('0000')))).toBe('4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3');
  });

  it("verifies the server's RSA-PSS CertificateVerify over the transcript", () => {
    const { transcript } = simpleSchedule();
    transcript.add(EE);
    transcript.add(CERT);
    const certificate = decodeCertificate(CERT.subarray(4), 10).entries[0]!.data;
    const spki = new X509Certificate(certificate).publicKey.export({ format: 'der', type: 'spki' });
    const content = certificateVerifyContent('server', transcript.current());
    const signature = CV.subarray(8);
    expect(provider.verify(0x0804, spki, content, signature)).toBe(true);
    const tampered = Uint8Array.from(content);
    tampered[100]! ^= 1;
    expect(provider.verify(0x0804, spki, tampered, signature)).toBe(false);
    expect(provider.verify(0x0403, spki, content, signature)).toBe(false); // an RSA key never passes as ECDSA
  });

  // The records' AEAD from node:crypto, and from tls-openssl's addon (the opt-in provider, issue #17).
  it.each([provider, withOpenSSLAead(provider)].map((p) => [p.name, p] as const))('decrypts and re-encrypts the published records (AES-128-GCM, sequence numbers, inner content type; AEAD of %s)', (_name, aeadProvider) => {
    const { client, server, transcript, schedule } = simpleSchedule();
    schedule.inputSharedSecret(client.agree(server.publicKey));
    const cHs = schedule.derive('c hs traffic', transcript.current());
    const sHs = schedule.derive('s hs traffic', transcript.current());
    const protect = (secret: Uint8Array) => {
      const { key, iv } = schedule.trafficKeys(secret, 16);
      return new RecordProtection(aeadProvider, 'aes-128-gcm', key, iv);
    };
    const flight = protect(sHs).open(SERVER_FLIGHT_RECORD.subarray(0, 5), SERVER_FLIGHT_RECORD.subarray(5));
    expect(flight.type).toBe(ContentType.HANDSHAKE);
    expect(hex(flight.content)).toBe(hex(Buffer.concat([EE, CERT, CV, SF])));
    expect(hex(protect(sHs).seal(ContentType.HANDSHAKE, flight.content))).toBe(hex(SERVER_FLIGHT_RECORD));
    expect(hex(protect(cHs).seal(ContentType.HANDSHAKE, CF))).toBe(hex(CLIENT_FINISHED_RECORD));
    for (const m of [EE, CERT, CV, SF]) transcript.add(m);
    schedule.toMaster();
    const cAp = schedule.derive('c ap traffic', transcript.current());
    const sAp = schedule.derive('s ap traffic', transcript.current());
    const serverWrite = protect(sAp);
    expect(hex(serverWrite.seal(ContentType.HANDSHAKE, NST))).toBe(hex(NST_RECORD));
    expect(hex(serverWrite.seal(ContentType.APPLICATION_DATA, APP_DATA))).toBe(hex(SERVER_APP_RECORD));
    expect(hex(protect(cAp).seal(ContentType.APPLICATION_DATA, APP_DATA))).toBe(hex(CLIENT_APP_RECORD));

    // Through the record layer: the server's records read back in order, one corrupt byte is fatal.
    const layer = new RecordLayer();
    layer.setReader(protect(sAp));
    layer.incoming.push(Buffer.concat([NST_RECORD, SERVER_APP_RECORD]));
    expect(layer.readRecord()).toMatchObject({ type: ContentType.HANDSHAKE, protected: true });
    expect(hex(layer.readRecord()!.content)).toBe(hex(APP_DATA));
    const corrupt = new RecordLayer();
    corrupt.setReader(protect(cAp));
    const bad = Uint8Array.from(CLIENT_APP_RECORD);
    bad[20]! ^= 0x80;
    corrupt.incoming.push(bad);
    expect(() => corrupt.readRecord()).toThrow(/bad_record_mac/);
  });
});

// Section 4, resumed handshake (up to the server's Finished; its 0-RTT parts are out of scope).
const CH_PREFIX = h(`010001fc03031bc3ceb6bbe39cff938355b5a50adb6db21b7a6af649d7b4bc419d7876487d95000006130113031302010001cd0000000b0009000006736572766572ff01000100000a00140012001d00170018001901000101010201030104003300260024001d0020e4ffb68ac05f8d96c99da26698346c6be16482badddafe051a66b4f18d668f0b002a0000002b0003020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101001c0002400100150057${'00'.repeat(0x57)}002900dd00b800b22c035d829359ee5ff7af4ec900000000262a6494dc486d2c8a34cb33fa90bf1b0070ad3c498883c9367c09a2be785abc55cd226097a3a982117283f82a03a143efd3ff5dd36d64e861be7fd61d2827db279cce145077d454a3664d4e6da4d29ee03725a6a4dafcd0fc67d2aea70529513e3da2677fa5906c5b3f7d8f92f228bda40dda721470f9fbf297b5aea617646fac5c03272e970727c621a79141ef5f7de6505e5bfbc388e93343694093934ae4d357fad6aacb`);
const SH_RESUMED = h('0200005c03033ccfd2dec890222763472ae8136777c9d7358777bb66e91ea5122495f559ea2d00130100003400290002000000330024001d0020121761ee42c333e1b9e77b60dd57c2053cd94512ab47f115e86eff50942cea31002b00020304');
const EE_RESUMED = h('080000280026000a00140012001d00170018001901000101010201030104001c0002400100000000002a0000');
const SF_RESUMED = h('1400002048d3e0e1b3d907c6acff145e16090388c77b05c050b634ab1a88bbd0dd1a34b2');

describe('RFC 8448 §4: resumed handshake', () => {
  it('computes the PSK binder and the resumed handshake secrets', () => {
    const psk = h('4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3');
    const schedule = new KeySchedule(provider, 'sha256', psk);
    expect(hex(schedule.current)).toBe('9b2188e9b2fc6d64d71dc329900e20bb41915000f678aa839cbb797cb7d8332c');
    const binderKey = schedule.binderKey();
    expect(hex(binderKey)).toBe('69fe131a3bbad5d63c64eebcc30e395b9d8107726a13d074e389dbc8a4e47256');
    expect(hex(provider.hash('sha256', CH_PREFIX))).toBe('63224b2e4573f2d3454ca84b9d009a04f6be9e05711a8396473aefa01e924a14');
    const binder = schedule.finishedVerifyData(binderKey, provider.hash('sha256', CH_PREFIX));
    expect(hex(binder)).toBe('3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d');

    const client = provider.keyExchange(0x001d, h('bff91188283846dd6a2134ef7180ca2b0b14fb10dce707b5098c0dddc813b2df'));
    const server = provider.keyExchange(0x001d, h('de5b4476e7b490b2652d338acbf2948066f255f9440e23b98fc69835298dc107'));
    const transcript = new Transcript();
    transcript.start(provider, 'sha256');
    transcript.add(Buffer.concat([CH_PREFIX, h('002120'), binder]));
    const hello = decodeClientHello(Buffer.concat([CH_PREFIX, h('002120'), binder]).subarray(4));
    expect(hello.extensions.at(-1)!.type).toBe(41); // pre_shared_key last
    transcript.add(SH_RESUMED);
    schedule.inputSharedSecret(server.agree(client.publicKey));
    expect(hex(schedule.current)).toBe('005cb112fd8eb4ccc623bb88a07c64b3ede1605363fc7d0df8c7ce4ff0fb4ae6');
    const cHs = schedule.derive('c hs traffic', transcript.current());
    const sHs = schedule.derive('s hs traffic', transcript.current());
    expect(hex(cHs)).toBe('2faac08f851d35fea3604fcb4de82dc62c9b164a70974d0462e27f1ab278700f');
    expect(hex(sHs)).toBe('fe927ae271312e8bf0275b581c54eef020450dc4ecffaa05a1a35d27518e7803');
    transcript.add(EE_RESUMED);
    expect(hex(schedule.finishedVerifyData(sHs, transcript.current()))).toBe(hex(SF_RESUMED.subarray(4)));
    transcript.add(SF_RESUMED);
    schedule.toMaster();
    expect(hex(schedule.current)).toBe('e2d32d4ed66dd37897a0e80c84107503ce58bf8aad4cb55a5002d77ecb890ece');
    expect(hex(schedule.derive('c ap traffic', transcript.current()))).toBe('2abbf2b8e381d23dbebe1dd2a7d16a8bf484cb4950d23fb7fb7fa8547062d9a1');
    expect(hex(schedule.derive('s ap traffic', transcript.current()))).toBe('cc21f1bf8feb7dd5fa505bd9c4b468a9984d554a993dc49e6d285598fb672691');
  });
});

// Section 5, HelloRetryRequest (P-256 after an X25519-only first ClientHello).
const HRR_CH1 = h(`010000b00303b0b1c5a5aa37c5919f2ed1d5c6fff7fcb7849716945a2b8cee9258a346677b6f000006130113031302010000810000000b0009000006736572766572ff01000100000a00080006001d00170018003300260024001d0020e8e8e3f3b93a25ed97a14a7dcacb8a272c6288e585c6484d05262fcad062ad1f002b0003020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101001c00024001`);
const HRR = h(`020000ac0303cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c001301000084003300020017002c00740072 71dcd04bb88bc3189119398a00000000eefafc76c146b823b096f8aacad365dd0030953f4edf625636e5f21bb2e23fcc654b1b5b40318d10d137abcbb87574e36e8a1f025f7dfa5d6e50781b5eda4aa15b0c8be778257d16aa3030e9e7841dd9e4c0342267e8ca0caf571fb2b7cff0f934b0002b00020304`);
const HRR_CH2 = h(`010001fc0303b0b1c5a5aa37c5919f2ed1d5c6fff7fcb7849716945a2b8cee9258a346677b6f000006130113031302010001cd0000000b0009000006736572766572ff01000100000a00080006001d001700180033004700450017004104a6da7392ec591e17abfd535964b99894d13befb221b3def2ebe3830eac8f0151812677c4d6d2237e85cf01d6910cfb83954e76ba7352830534159897e8065780002b0003020304000d0020001e040305030603020308040805080604010501060102010402050206020202002c0074007271dcd04bb88bc3189119398a00000000eefafc76c146b823b096f8aacad365dd0030953f4edf625636e5f21bb2e23fcc654b1b5b40318d10d137abcbb87574e36e8a1f025f7dfa5d6e50781b5eda4aa15b0c8be778257d16aa3030e9e7841dd9e4c0342267e8ca0caf571fb2b7cff0f934b0002d00020101001c00024001001500af${'00'.repeat(0xaf)}`);
const HRR_SH = h(`020000770303bb341d847fd789c47c387172dc0c9bf147fccacb5043d86ca4c598d3ff571b98001301 00004f00330045001700410458 3e054b7a66672ae020ad9d2686fcc85b5ad41a134a0f03ee72b893052bd85b4c8de6776f5b04ac07d83540eab3e3d9c547bc6528c4317d294686093a6cad7d002b00020304`);

describe('RFC 8448 §5: HelloRetryRequest', () => {
  it('replaces ClientHello1 by message_hash and derives the handshake secrets', () => {
    expect(decodeServerHello(HRR.subarray(4)).random).toEqual(h('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c'));
    expect(HRR_CH2.length).toBe(512);
    const transcript = new Transcript();
    transcript.add(HRR_CH1);
    transcript.start(provider, 'sha256');
    transcript.replaceWithMessageHash();
    for (const m of [HRR, HRR_CH2, HRR_SH]) transcript.add(m);
    expect(hex(transcript.current())).toBe('8aa8e828ec2f8a884fec95a3139de01c15a3daa7ff5bfc3f4bfcc21b438d7bf8');
    const schedule = new KeySchedule(provider, 'sha256');
    schedule.inputSharedSecret(h('c142ce13ca11b5c2233652e63ad3d97844f1621fbfb9de69d547dc8fedeabeb4'));
    expect(hex(schedule.current)).toBe('ce022e5e6e81e50736d773f2d3adfce8220d049bf510f0dbfac927ef4243b148');
    expect(hex(schedule.derive('c hs traffic', transcript.current()))).toBe('158aa7ab8855073582b41d674b4055cabcc534728f659314861b4e08e2011566');
    expect(hex(schedule.derive('s hs traffic', transcript.current()))).toBe('3403e781e2af7b6508da28574f6e95a1abf162de83a97927c37672a4a0cef8a1');
    expect(HandshakeType.MESSAGE_HASH).toBe(254);
  });
});

describe('RFC 8448 §3 with the @noble provider', () => {
  it('reproduces the X25519 secret, the key schedule and the published records', async () => {
    const { nobleCryptoProvider: noble } = await import('../src/crypto/noble.js');
    const client = noble.keyExchange(0x001d, h('49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005'));
    const server = noble.keyExchange(0x001d, h('b1580eeadf6dd589b8ef4f2d5652578cc810e9980191ec8d058308cea216a21e'));
    expect(hex(client.agree(server.publicKey))).toBe('8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d');
    const transcript = new Transcript();
    transcript.add(CH);
    transcript.start(noble, 'sha256');
    transcript.add(SH);
    const schedule = new KeySchedule(noble, 'sha256');
    schedule.inputSharedSecret(client.agree(server.publicKey));
    const sHs = schedule.derive('s hs traffic', transcript.current());
    expect(hex(sHs)).toBe('b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38');
    const { key, iv } = schedule.trafficKeys(sHs, 16);
    const flight = new RecordProtection(noble, 'aes-128-gcm', key, iv).open(SERVER_FLIGHT_RECORD.subarray(0, 5), SERVER_FLIGHT_RECORD.subarray(5));
    expect(hex(flight.content)).toBe(hex(Buffer.concat([EE, CERT, CV, SF])));
    for (const m of [EE, CERT, CV, SF]) transcript.add(m);
    schedule.toMaster();
    const cAp = schedule.derive('c ap traffic', transcript.current());
    const app = schedule.trafficKeys(cAp, 16);
    expect(hex(new RecordProtection(noble, 'aes-128-gcm', app.key, app.iv).seal(ContentType.APPLICATION_DATA, APP_DATA))).toBe(hex(CLIENT_APP_RECORD));
  });
});
